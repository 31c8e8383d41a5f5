package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

const deadlineCols = `id, incident_id, event_id, decided_at, due_at, fired_at, outcome`

func scanDeadline(r scanner) (storage.FailForwardDeadline, error) {
	var d storage.FailForwardDeadline
	err := r.Scan(&d.ID, &d.IncidentID, &d.EventID, timeCol(&d.DecidedAt), timeCol(&d.DueAt), timePtrCol(&d.FiredAt), &d.Outcome)
	return d, mapErr(err)
}

// AddFailForwardDeadline inserts d and sets its ID.
func (q *querier) AddFailForwardDeadline(ctx context.Context, d *storage.FailForwardDeadline) error {
	err := q.writeDB(ctx, func(db dbtx) error {
		err := db.QueryRowContext(ctx, `INSERT INTO fail_forward_deadlines (incident_id, event_id, decided_at, due_at)
			VALUES (?, ?, ?, ?) RETURNING id`, d.IncidentID, d.EventID, encTime(d.DecidedAt), encTime(d.DueAt)).Scan(&d.ID)
		if isForeignKey(err) {
			return fmt.Errorf("no incident %d: %w", d.IncidentID, storage.ErrNotFound)
		}
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("add fail-forward deadline: %w", err)
	}
	return nil
}

// ClaimDueFailForwardDeadlines returns the unfired deadlines due at now.
// Inside InTx the writer's BEGIN IMMEDIATE keeps every other writer out
// until the transaction ends, which makes the claim exclusive.
func (q *querier) ClaimDueFailForwardDeadlines(ctx context.Context, now time.Time, limit int) ([]storage.FailForwardDeadline, error) {
	return claimRows(ctx, q, "claim due fail-forward deadlines", limit, scanDeadline, `SELECT `+deadlineCols+`
		FROM fail_forward_deadlines WHERE fired_at IS NULL AND due_at <= ?
		ORDER BY due_at, id LIMIT ?`, encTime(now), limit)
}

// FireFailForwardDeadline marks a deadline handled.
func (q *querier) FireFailForwardDeadline(ctx context.Context, id int64, at time.Time, outcome string) error {
	return q.write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, `UPDATE fail_forward_deadlines SET fired_at = ?, outcome = ?
			WHERE id = ? AND fired_at IS NULL`, encTime(at), outcome, id)
		if err != nil || n == 1 {
			return err
		}
		var one int
		if err := w.tx.QueryRowContext(ctx, `SELECT 1 FROM fail_forward_deadlines WHERE id = ?`, id).Scan(&one); err != nil {
			return fmt.Errorf("fire fail-forward deadline %d: %w", id, mapErr(err))
		}
		return fmt.Errorf("fire fail-forward deadline %d: fired already: %w", id, storage.ErrConflict)
	})
}

// ListFailForwardDeadlines returns an incident's deadlines in ID order.
func (q *querier) ListFailForwardDeadlines(ctx context.Context, incidentID int64) ([]storage.FailForwardDeadline, error) {
	return queryAll(ctx, q.read, "list fail-forward deadlines", []storage.FailForwardDeadline{}, scanDeadline,
		`SELECT `+deadlineCols+` FROM fail_forward_deadlines WHERE incident_id = ? ORDER BY id`, incidentID)
}

const drillCols = `incident_id, service, scenario, started_at, graded_at, grade`

func scanDrill(r scanner) (storage.Drill, error) {
	var (
		d     storage.Drill
		grade sql.NullString
	)
	err := r.Scan(&d.IncidentID, &d.Service, &d.Scenario, timeCol(&d.StartedAt), timePtrCol(&d.GradedAt), &grade)
	if grade.Valid {
		d.Grade = []byte(grade.String)
	}
	return d, mapErr(err)
}

// CreateDrill marks an incident as a drill.
func (q *querier) CreateDrill(ctx context.Context, d storage.Drill) error {
	q.forgetDrill(d.IncidentID)
	err := q.writeDB(ctx, func(db dbtx) error {
		_, err := db.ExecContext(ctx, `INSERT INTO drills (incident_id, service, scenario, started_at) VALUES (?, ?, ?, ?)`,
			d.IncidentID, d.Service, d.Scenario, encTime(d.StartedAt))
		if isForeignKey(err) {
			return fmt.Errorf("no incident %d: %w", d.IncidentID, storage.ErrNotFound)
		}
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("create drill: %w", err)
	}
	return nil
}

// GetDrill returns the drill of an incident.
func (q *querier) GetDrill(ctx context.Context, incidentID int64) (storage.Drill, error) {
	if d, known := q.drills[incidentID]; known {
		if d == nil {
			return storage.Drill{}, fmt.Errorf("get drill: %w", storage.ErrNotFound)
		}
		return *d, nil
	}
	return queryOne(ctx, q.read, "get drill", scanDrill, `SELECT `+drillCols+` FROM drills WHERE incident_id = ?`, incidentID)
}

// GradeDrill stores a drill's grade.
func (q *querier) GradeDrill(ctx context.Context, incidentID int64, at time.Time, grade []byte) error {
	q.forgetDrill(incidentID)
	return q.write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, `UPDATE drills SET graded_at = ?, grade = ? WHERE incident_id = ?`, encTime(at), string(grade), incidentID)
		if err == nil && n == 0 {
			err = fmt.Errorf("grade drill: incident %d is no drill: %w", incidentID, storage.ErrNotFound)
		}
		return err
	})
}

// ListDrills returns every drill, newest first.
func (q *querier) ListDrills(ctx context.Context) ([]storage.Drill, error) {
	return queryAll(ctx, q.read, "list drills", []storage.Drill{}, scanDrill,
		`SELECT `+drillCols+` FROM drills ORDER BY started_at DESC, incident_id DESC`)
}

// SavePreflightResult stores r as the latest result of its action.
func (q *querier) SavePreflightResult(ctx context.Context, r storage.PreflightResult) error {
	return q.writeDB(ctx, func(db dbtx) error {
		_, err := db.ExecContext(ctx, `INSERT INTO readiness_preflights (action_id, integration, checked_at, ok, detail)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (action_id) DO UPDATE
			SET integration = excluded.integration, checked_at = excluded.checked_at, ok = excluded.ok, detail = excluded.detail`,
			r.ActionID, r.Integration, encTime(r.CheckedAt), r.OK, r.Detail)
		return mapErr(err)
	})
}

// ListPreflightResults returns the latest result of every action.
func (q *querier) ListPreflightResults(ctx context.Context) ([]storage.PreflightResult, error) {
	return queryAll(ctx, q.read, "list preflight results", []storage.PreflightResult{}, func(r scanner) (storage.PreflightResult, error) {
		var p storage.PreflightResult
		err := r.Scan(&p.ActionID, &p.Integration, timeCol(&p.CheckedAt), &p.OK, &p.Detail)
		return p, mapErr(err)
	}, `SELECT action_id, integration, checked_at, ok, detail FROM readiness_preflights ORDER BY action_id`)
}

// LastActionRuns returns when each action last succeeded outside a drill.
func (q *querier) LastActionRuns(ctx context.Context) ([]storage.LastActionRun, error) {
	return queryAll(ctx, q.read, "last action runs", []storage.LastActionRun{}, func(r scanner) (storage.LastActionRun, error) {
		var l storage.LastActionRun
		err := r.Scan(&l.ActionID, timeCol(&l.At))
		return l, mapErr(err)
	}, `SELECT action_id, max(finished_at) FROM action_runs
		WHERE status = 'succeeded' AND finished_at IS NOT NULL
		  AND incident_id NOT IN (SELECT incident_id FROM drills)
		GROUP BY action_id ORDER BY action_id`)
}

// ClaimScheduledRun claims the run of job name due at now.
func (q *querier) ClaimScheduledRun(ctx context.Context, name string, now, next time.Time) (bool, error) {
	var won bool
	err := q.writeDB(ctx, func(db dbtx) error {
		if _, err := db.ExecContext(ctx, `INSERT INTO readiness_schedules (name, next_due_at) VALUES (?, ?)
			ON CONFLICT (name) DO NOTHING`, name, encTime(now)); err != nil {
			return mapErr(err)
		}
		res, err := db.ExecContext(ctx, `UPDATE readiness_schedules SET next_due_at = ?, last_run_at = ?
			WHERE name = ? AND next_due_at <= ?`, encTime(next), encTime(now), name, encTime(now))
		if err != nil {
			return mapErr(err)
		}
		n, err := rowsAffected(res)
		won = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim scheduled run %s: %w", name, err)
	}
	return won, nil
}
