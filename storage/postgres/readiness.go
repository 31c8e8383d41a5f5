package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

const deadlineCols = `id, incident_id, event_id, decided_at, due_at, fired_at, outcome`

func scanDeadline(row pgx.Row) (storage.FailForwardDeadline, error) {
	var d storage.FailForwardDeadline
	err := row.Scan(&d.ID, &d.IncidentID, &d.EventID, &d.DecidedAt, &d.DueAt, &d.FiredAt, &d.Outcome)
	d.DecidedAt, d.DueAt, d.FiredAt = d.DecidedAt.UTC(), d.DueAt.UTC(), utcPtr(d.FiredAt)
	return d, err
}

// AddFailForwardDeadline inserts d and sets its ID.
func (q querier) AddFailForwardDeadline(ctx context.Context, d *storage.FailForwardDeadline) error {
	err := q.db.QueryRow(ctx, `INSERT INTO fail_forward_deadlines (incident_id, event_id, decided_at, due_at)
		VALUES ($1, $2, $3, $4) RETURNING id`, d.IncidentID, d.EventID, d.DecidedAt, d.DueAt).Scan(&d.ID)
	if isForeignKey(err) {
		return fmt.Errorf("add fail-forward deadline: no incident %d: %w", d.IncidentID, storage.ErrNotFound)
	}
	return mapErr("add fail-forward deadline", err)
}

// ClaimDueFailForwardDeadlines locks up to limit unfired deadlines due at
// now, skipping those another transaction holds.
func (q querier) ClaimDueFailForwardDeadlines(ctx context.Context, now time.Time, limit int) ([]storage.FailForwardDeadline, error) {
	return claimRows(ctx, q.db, "claim due fail-forward deadlines", limit, scanDeadline, `SELECT `+deadlineCols+`
		FROM fail_forward_deadlines WHERE fired_at IS NULL AND due_at <= $1
		ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`, now, limit)
}

// FireFailForwardDeadline marks a deadline handled.
func (q querier) FireFailForwardDeadline(ctx context.Context, id int64, at time.Time, outcome string) error {
	tag, err := q.db.Exec(ctx, `UPDATE fail_forward_deadlines SET fired_at = $1, outcome = $2
		WHERE id = $3 AND fired_at IS NULL`, at, outcome, id)
	if err != nil {
		return mapErr("fire fail-forward deadline", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var one int
	if err := q.db.QueryRow(ctx, `SELECT 1 FROM fail_forward_deadlines WHERE id = $1`, id).Scan(&one); err != nil {
		return mapErr(fmt.Sprintf("fire fail-forward deadline %d", id), err)
	}
	return fmt.Errorf("fire fail-forward deadline %d: fired already: %w", id, storage.ErrConflict)
}

// ListFailForwardDeadlines returns an incident's deadlines in ID order.
func (q querier) ListFailForwardDeadlines(ctx context.Context, incidentID int64) ([]storage.FailForwardDeadline, error) {
	return queryRows(ctx, q.db, "list fail-forward deadlines", []storage.FailForwardDeadline{}, scanDeadline,
		`SELECT `+deadlineCols+` FROM fail_forward_deadlines WHERE incident_id = $1 ORDER BY id`, incidentID)
}

const drillCols = `incident_id, service, scenario, started_at, graded_at, grade`

func scanDrill(row pgx.Row) (storage.Drill, error) {
	var d storage.Drill
	err := row.Scan(&d.IncidentID, &d.Service, &d.Scenario, &d.StartedAt, &d.GradedAt, &d.Grade)
	d.StartedAt, d.GradedAt = d.StartedAt.UTC(), utcPtr(d.GradedAt)
	return d, err
}

// drillJoinCols are drillCols of a drill LEFT JOINed as d (drillRow).
const drillJoinCols = `d.incident_id, d.service, d.scenario, d.started_at, d.graded_at, d.grade`

// drillRow receives drillJoinCols, all NULL when there is no drill (its
// other columns are NOT NULL when there is one).
type drillRow struct {
	incidentID        *int64
	service, scenario *string
	startedAt, graded *time.Time
	grade             []byte
}

func (r *drillRow) dest() []any {
	return []any{&r.incidentID, &r.service, &r.scenario, &r.startedAt, &r.graded, &r.grade}
}

// drill is the drill read, nil when there is none.
func (r *drillRow) drill() *storage.Drill {
	if r.incidentID == nil {
		return nil
	}
	return &storage.Drill{IncidentID: *r.incidentID, Service: *r.service, Scenario: *r.scenario,
		StartedAt: r.startedAt.UTC(), GradedAt: utcPtr(r.graded), Grade: r.grade}
}

// CreateDrill marks an incident as a drill.
func (q querier) CreateDrill(ctx context.Context, d storage.Drill) error {
	q.forgetDrill(d.IncidentID)
	_, err := q.db.Exec(ctx, `INSERT INTO drills (incident_id, service, scenario, started_at) VALUES ($1, $2, $3, $4)`,
		d.IncidentID, d.Service, d.Scenario, d.StartedAt)
	if isForeignKey(err) {
		return fmt.Errorf("create drill: no incident %d: %w", d.IncidentID, storage.ErrNotFound)
	}
	return mapErr("create drill", err)
}

// GetDrill returns the drill of an incident.
func (q querier) GetDrill(ctx context.Context, incidentID int64) (storage.Drill, error) {
	if p, ok := q.db.(*pipeTx); ok {
		if d, known := p.drills[incidentID]; known {
			if d == nil {
				return storage.Drill{}, mapErr("get drill", pgx.ErrNoRows)
			}
			return *d, nil
		}
	}
	return queryOne(ctx, q.db, "get drill", scanDrill, `SELECT `+drillCols+` FROM drills WHERE incident_id = $1`, incidentID)
}

// GradeDrill stores a drill's grade.
func (q querier) GradeDrill(ctx context.Context, incidentID int64, at time.Time, grade []byte) error {
	q.forgetDrill(incidentID)
	return execOne(ctx, q.db, fmt.Sprintf("grade drill of incident %d", incidentID),
		`UPDATE drills SET graded_at = $1, grade = $2 WHERE incident_id = $3`, at, string(grade), incidentID)
}

// ListDrills returns every drill, newest first.
func (q querier) ListDrills(ctx context.Context) ([]storage.Drill, error) {
	return queryRows(ctx, q.db, "list drills", []storage.Drill{}, scanDrill,
		`SELECT `+drillCols+` FROM drills ORDER BY started_at DESC, incident_id DESC`)
}

// SavePreflightResult stores r as the latest result of its action.
func (q querier) SavePreflightResult(ctx context.Context, r storage.PreflightResult) error {
	_, err := q.db.Exec(ctx, `INSERT INTO readiness_preflights (action_id, integration, checked_at, ok, detail)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (action_id) DO UPDATE
		SET integration = excluded.integration, checked_at = excluded.checked_at, ok = excluded.ok, detail = excluded.detail`,
		r.ActionID, r.Integration, r.CheckedAt, r.OK, r.Detail)
	return mapErr("save preflight result", err)
}

// ListPreflightResults returns the latest result of every action.
func (q querier) ListPreflightResults(ctx context.Context) ([]storage.PreflightResult, error) {
	return queryRows(ctx, q.db, "list preflight results", []storage.PreflightResult{}, func(row pgx.Row) (storage.PreflightResult, error) {
		var p storage.PreflightResult
		err := row.Scan(&p.ActionID, &p.Integration, &p.CheckedAt, &p.OK, &p.Detail)
		p.CheckedAt = p.CheckedAt.UTC()
		return p, err
	}, `SELECT action_id, integration, checked_at, ok, detail FROM readiness_preflights ORDER BY action_id`)
}

// LastActionRuns returns when each action last succeeded outside a drill.
func (q querier) LastActionRuns(ctx context.Context) ([]storage.LastActionRun, error) {
	return queryRows(ctx, q.db, "last action runs", []storage.LastActionRun{}, func(row pgx.Row) (storage.LastActionRun, error) {
		var l storage.LastActionRun
		err := row.Scan(&l.ActionID, &l.At)
		l.At = l.At.UTC()
		return l, err
	}, `SELECT action_id, max(finished_at) FROM action_runs r
		WHERE status = 'succeeded' AND finished_at IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM drills d WHERE d.incident_id = r.incident_id)
		GROUP BY action_id ORDER BY action_id`)
}

// ClaimScheduledRun claims the run of job name due at now in one
// statement: the row moves forward only for the caller that finds it due.
func (q querier) ClaimScheduledRun(ctx context.Context, name string, now, next time.Time) (bool, error) {
	if _, err := q.db.Exec(ctx, `INSERT INTO readiness_schedules (name, next_due_at) VALUES ($1, $2)
		ON CONFLICT (name) DO NOTHING`, name, now); err != nil {
		return false, mapErr("claim scheduled run "+name, err)
	}
	tag, err := q.db.Exec(ctx, `UPDATE readiness_schedules SET next_due_at = $1, last_run_at = $2
		WHERE name = $3 AND next_due_at <= $2`, next, now, name)
	if err != nil {
		return false, mapErr("claim scheduled run "+name, err)
	}
	return tag.RowsAffected() == 1, nil
}

// forgetDrill drops what the transaction read of an incident's drill,
// before a write to it: a later GetDrill reads it again.
func (q querier) forgetDrill(incidentID int64) {
	if p, ok := q.db.(*pipeTx); ok {
		delete(p.drills, incidentID)
	}
}
