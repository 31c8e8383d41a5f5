package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

const runCols = `r.id, r.incident_id, r.action_id, r.title, r.kind, r.integration, r.undo, r.status, r.source,
	r.requested_by_platform, r.requested_by_id, r.requested_by_name, r.requested_at,
	r.approved_by_platform, r.approved_by_id, r.approved_by_name, r.approved_at,
	r.started_at, r.lease_until, r.finished_at,
	r.verified_by_platform, r.verified_by_id, r.verified_by_name, r.verified_at,
	r.cancelled_by_platform, r.cancelled_by_id, r.cancelled_by_name,
	r.summary, r.url, r.error, r.output, r.again_of, r.updated_at`

func scanRun(row pgx.Row) (storage.ActionRun, error) {
	var (
		r              storage.ActionRun
		status, source string
	)
	err := row.Scan(&r.ID, &r.IncidentID, &r.ActionID, &r.Title, &r.Kind, &r.Integration, &r.Undo, &status, &source,
		&r.RequestedBy.Platform, &r.RequestedBy.ID, &r.RequestedBy.Name, &r.RequestedAt,
		&r.ApprovedBy.Platform, &r.ApprovedBy.ID, &r.ApprovedBy.Name, &r.ApprovedAt,
		&r.StartedAt, &r.LeaseUntil, &r.FinishedAt,
		&r.VerifiedBy.Platform, &r.VerifiedBy.ID, &r.VerifiedBy.Name, &r.VerifiedAt,
		&r.CancelledBy.Platform, &r.CancelledBy.ID, &r.CancelledBy.Name,
		&r.Summary, &r.URL, &r.Error, &r.Output, &r.AgainOf, &r.UpdatedAt)
	if err != nil {
		return r, err
	}
	r.Status, r.Source = storage.ActionRunStatus(status), incident.Source(source)
	r.RequestedAt, r.UpdatedAt = r.RequestedAt.UTC(), r.UpdatedAt.UTC()
	r.ApprovedAt, r.StartedAt, r.LeaseUntil = utcPtr(r.ApprovedAt), utcPtr(r.StartedAt), utcPtr(r.LeaseUntil)
	r.FinishedAt, r.VerifiedAt = utcPtr(r.FinishedAt), utcPtr(r.VerifiedAt)
	return r, nil
}

func statusStrings(ss []storage.ActionRunStatus) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// CreateActionRun inserts r; ErrConflict when its action has an active run
// on the incident. ON CONFLICT DO NOTHING keeps the transaction usable: a
// concurrent insert waits for the first to commit and then inserts nothing.
func (q querier) CreateActionRun(ctx context.Context, r *storage.ActionRun) error {
	what := fmt.Sprintf("create run of %s on incident %d", r.ActionID, r.IncidentID)
	var id string
	err := q.db.QueryRow(ctx, `INSERT INTO action_runs (id, incident_id, action_id, title, kind, integration, undo,
		status, source, requested_by_platform, requested_by_id, requested_by_name, requested_at,
		approved_by_platform, approved_by_id, approved_by_name, approved_at, started_at, lease_until, finished_at,
		verified_by_platform, verified_by_id, verified_by_name, verified_at,
		cancelled_by_platform, cancelled_by_id, cancelled_by_name,
		summary, url, error, output, again_of, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,
			$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33)
		ON CONFLICT DO NOTHING RETURNING id`,
		r.ID, r.IncidentID, r.ActionID, r.Title, r.Kind, r.Integration, r.Undo,
		string(r.Status), string(r.Source), r.RequestedBy.Platform, r.RequestedBy.ID, r.RequestedBy.Name, r.RequestedAt,
		r.ApprovedBy.Platform, r.ApprovedBy.ID, r.ApprovedBy.Name, r.ApprovedAt, r.StartedAt, r.LeaseUntil, r.FinishedAt,
		r.VerifiedBy.Platform, r.VerifiedBy.ID, r.VerifiedBy.Name, r.VerifiedAt,
		r.CancelledBy.Platform, r.CancelledBy.ID, r.CancelledBy.Name,
		r.Summary, r.URL, r.Error, r.Output, r.AgainOf, r.UpdatedAt).Scan(&id)
	switch {
	case isNoRows(err):
		return fmt.Errorf("%s: an active run exists (or run %s does): %w", what, r.ID, storage.ErrConflict)
	case isForeignKey(err):
		return fmt.Errorf("%s: no such incident: %w", what, storage.ErrNotFound)
	}
	return mapErr(what, err)
}

// GetActionRun returns one run.
func (q querier) GetActionRun(ctx context.Context, id string) (storage.ActionRun, error) {
	return queryOne(ctx, q.db, "action run "+id, scanRun, `SELECT `+runCols+` FROM action_runs r WHERE r.id = $1`, id)
}

// ActiveActionRun returns the active run of an action on an incident.
func (q querier) ActiveActionRun(ctx context.Context, incidentID int64, actionID string) (storage.ActionRun, error) {
	return queryOne(ctx, q.db, fmt.Sprintf("active run of %s on incident %d", actionID, incidentID), scanRun,
		`SELECT `+runCols+` FROM action_runs r
		WHERE r.incident_id = $1 AND r.action_id = $2 AND r.status = ANY($3)`,
		incidentID, actionID, statusStrings(storage.ActiveRunStatuses))
}

// LatestActionRun returns the most recently requested run of an action on
// an incident.
func (q querier) LatestActionRun(ctx context.Context, incidentID int64, actionID string) (storage.ActionRun, error) {
	return queryOne(ctx, q.db, fmt.Sprintf("latest run of %s on incident %d", actionID, incidentID), scanRun,
		`SELECT `+runCols+` FROM action_runs r
		WHERE r.incident_id = $1 AND r.action_id = $2 ORDER BY r.requested_at DESC, r.id DESC LIMIT 1`,
		incidentID, actionID)
}

// ListActionRuns returns an incident's runs, oldest request first.
func (q querier) ListActionRuns(ctx context.Context, incidentID int64) ([]storage.ActionRun, error) {
	return queryRows(ctx, q.db, fmt.Sprintf("list runs of incident %d", incidentID), []storage.ActionRun{}, scanRun,
		`SELECT `+runCols+` FROM action_runs r WHERE r.incident_id = $1 ORDER BY r.requested_at, r.id`, incidentID)
}

// UpdateActionRun saves r if its stored status is one of from.
func (q querier) UpdateActionRun(ctx context.Context, r *storage.ActionRun, from ...storage.ActionRunStatus) error {
	what := fmt.Sprintf("update action run %s", r.ID)
	tag, err := q.db.Exec(ctx, `UPDATE action_runs SET title = $2, kind = $3, integration = $4, undo = $5,
		status = $6, source = $7, requested_by_platform = $8, requested_by_id = $9, requested_by_name = $10,
		approved_by_platform = $11, approved_by_id = $12, approved_by_name = $13, approved_at = $14,
		started_at = $15, lease_until = $16, finished_at = $17,
		verified_by_platform = $18, verified_by_id = $19, verified_by_name = $20, verified_at = $21,
		cancelled_by_platform = $22, cancelled_by_id = $23, cancelled_by_name = $24,
		summary = $25, url = $26, error = $27, output = $28, again_of = $29, updated_at = $30
		WHERE id = $1 AND status = ANY($31)`,
		r.ID, r.Title, r.Kind, r.Integration, r.Undo, string(r.Status), string(r.Source),
		r.RequestedBy.Platform, r.RequestedBy.ID, r.RequestedBy.Name,
		r.ApprovedBy.Platform, r.ApprovedBy.ID, r.ApprovedBy.Name, r.ApprovedAt,
		r.StartedAt, r.LeaseUntil, r.FinishedAt,
		r.VerifiedBy.Platform, r.VerifiedBy.ID, r.VerifiedBy.Name, r.VerifiedAt,
		r.CancelledBy.Platform, r.CancelledBy.ID, r.CancelledBy.Name,
		r.Summary, r.URL, r.Error, r.Output, r.AgainOf, r.UpdatedAt, statusStrings(from))
	if err != nil {
		return mapErr(what, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var status string
	if err := q.db.QueryRow(ctx, `SELECT status FROM action_runs WHERE id = $1`, r.ID).Scan(&status); err != nil {
		return mapErr(what, err)
	}
	return fmt.Errorf("%s: it is %s: %w", what, status, storage.ErrConflict)
}

// ClaimRequestedActionRuns locks up to limit requested runs and their
// incidents. SKIP LOCKED passes over rows another runner or a command on
// the incident holds; commands lock the incident first, so a runner never
// waits for one while holding a run.
func (q querier) ClaimRequestedActionRuns(ctx context.Context, limit int) ([]storage.ActionRun, error) {
	return claimRows(ctx, q.db, "claim requested action runs", limit, scanRun, `SELECT `+runCols+`
		FROM action_runs r JOIN incidents i ON i.id = r.incident_id
		WHERE r.status = 'requested'
		ORDER BY r.requested_at, r.id
		LIMIT $1
		FOR UPDATE OF r, i SKIP LOCKED`, limit)
}

// ClaimExpiredActionRuns locks up to limit running runs whose lease ended.
func (q querier) ClaimExpiredActionRuns(ctx context.Context, now time.Time, limit int) ([]storage.ActionRun, error) {
	return claimRows(ctx, q.db, "claim expired action runs", limit, scanRun, `SELECT `+runCols+`
		FROM action_runs r JOIN incidents i ON i.id = r.incident_id
		WHERE r.status = 'running' AND r.lease_until <= $1
		ORDER BY r.lease_until, r.id
		LIMIT $2
		FOR UPDATE OF r, i SKIP LOCKED`, now, limit)
}
