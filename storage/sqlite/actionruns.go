package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

const runColumns = `id, incident_id, action_id, title, kind, integration, undo, status, source,
	requested_by_platform, requested_by_id, requested_by_name, requested_at,
	approved_by_platform, approved_by_id, approved_by_name, approved_at,
	started_at, lease_until, finished_at,
	verified_by_platform, verified_by_id, verified_by_name, verified_at,
	cancelled_by_platform, cancelled_by_id, cancelled_by_name,
	summary, url, error, output, again_of, updated_at`

func scanRun(row scanner) (storage.ActionRun, error) {
	var (
		r              storage.ActionRun
		undo           int
		status, source string
	)
	err := row.Scan(&r.ID, &r.IncidentID, &r.ActionID, &r.Title, &r.Kind, &r.Integration, &undo, &status, &source,
		&r.RequestedBy.Platform, &r.RequestedBy.ID, &r.RequestedBy.Name, timeCol(&r.RequestedAt),
		&r.ApprovedBy.Platform, &r.ApprovedBy.ID, &r.ApprovedBy.Name, timePtrCol(&r.ApprovedAt),
		timePtrCol(&r.StartedAt), timePtrCol(&r.LeaseUntil), timePtrCol(&r.FinishedAt),
		&r.VerifiedBy.Platform, &r.VerifiedBy.ID, &r.VerifiedBy.Name, timePtrCol(&r.VerifiedAt),
		&r.CancelledBy.Platform, &r.CancelledBy.ID, &r.CancelledBy.Name,
		&r.Summary, &r.URL, &r.Error, &r.Output, &r.AgainOf, timeCol(&r.UpdatedAt))
	if err != nil {
		return r, mapErr(err)
	}
	r.Undo, r.Status, r.Source = undo == 1, storage.ActionRunStatus(status), incident.Source(source)
	return r, nil
}

// runArgs are the values of every column but id, incident_id, action_id
// and requested_at, in the order UpdateActionRun sets them.
func runArgs(r *storage.ActionRun) []any {
	return []any{r.Title, r.Kind, r.Integration, boolInt(r.Undo), string(r.Status), string(r.Source),
		r.RequestedBy.Platform, r.RequestedBy.ID, r.RequestedBy.Name,
		r.ApprovedBy.Platform, r.ApprovedBy.ID, r.ApprovedBy.Name, encTimePtr(r.ApprovedAt),
		encTimePtr(r.StartedAt), encTimePtr(r.LeaseUntil), encTimePtr(r.FinishedAt),
		r.VerifiedBy.Platform, r.VerifiedBy.ID, r.VerifiedBy.Name, encTimePtr(r.VerifiedAt),
		r.CancelledBy.Platform, r.CancelledBy.ID, r.CancelledBy.Name,
		r.Summary, r.URL, r.Error, r.Output, r.AgainOf, encTime(r.UpdatedAt)}
}

const runSetColumns = `title, kind, integration, undo, status, source,
	requested_by_platform, requested_by_id, requested_by_name,
	approved_by_platform, approved_by_id, approved_by_name, approved_at,
	started_at, lease_until, finished_at,
	verified_by_platform, verified_by_id, verified_by_name, verified_at,
	cancelled_by_platform, cancelled_by_id, cancelled_by_name,
	summary, url, error, output, again_of, updated_at`

// CreateActionRun inserts r; ErrConflict when its action has an active run
// on the incident. The writer is single, so a concurrent create waits for
// the first to commit and then inserts nothing.
func (q *querier) CreateActionRun(ctx context.Context, r *storage.ActionRun) error {
	args := append([]any{r.ID, r.IncidentID, r.ActionID, encTime(r.RequestedAt)}, runArgs(r)...)
	err := q.write(ctx, func(w *querier) error {
		var id string
		err := w.tx.QueryRowContext(ctx, `INSERT INTO action_runs (id, incident_id, action_id, requested_at, `+runSetColumns+`)
			VALUES (`+placeholders(len(args))+`) ON CONFLICT DO NOTHING RETURNING id`, args...).Scan(&id)
		switch {
		case err == sql.ErrNoRows:
			return fmt.Errorf("an active run exists (or run %s does): %w", r.ID, storage.ErrConflict)
		case isForeignKey(err):
			return fmt.Errorf("no such incident: %w", storage.ErrNotFound)
		}
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("create run of %s on incident %d: %w", r.ActionID, r.IncidentID, err)
	}
	return nil
}

// GetActionRun returns one run.
func (q *querier) GetActionRun(ctx context.Context, id string) (storage.ActionRun, error) {
	return queryOne(ctx, q.read, "action run "+id, scanRun, `SELECT `+runColumns+` FROM action_runs WHERE id = ?`, id)
}

// ActiveActionRun returns the active run of an action on an incident.
func (q *querier) ActiveActionRun(ctx context.Context, incidentID int64, actionID string) (storage.ActionRun, error) {
	return queryOne(ctx, q.read, fmt.Sprintf("active run of %s on incident %d", actionID, incidentID), scanRun,
		`SELECT `+runColumns+` FROM action_runs WHERE incident_id = ? AND action_id = ?
		AND status IN ('requested','awaiting_approval','running')`, incidentID, actionID)
}

// LatestActionRun returns the most recently requested run of an action on
// an incident.
func (q *querier) LatestActionRun(ctx context.Context, incidentID int64, actionID string) (storage.ActionRun, error) {
	return queryOne(ctx, q.read, fmt.Sprintf("latest run of %s on incident %d", actionID, incidentID), scanRun,
		`SELECT `+runColumns+` FROM action_runs WHERE incident_id = ? AND action_id = ?
		ORDER BY requested_at DESC, id DESC LIMIT 1`, incidentID, actionID)
}

// ListActionRuns returns an incident's runs, oldest request first.
func (q *querier) ListActionRuns(ctx context.Context, incidentID int64) ([]storage.ActionRun, error) {
	return queryAll(ctx, q.read, fmt.Sprintf("list runs of incident %d", incidentID), []storage.ActionRun{}, scanRun,
		`SELECT `+runColumns+` FROM action_runs WHERE incident_id = ? ORDER BY requested_at, id`, incidentID)
}

// UpdateActionRun saves r if its stored status is one of from.
func (q *querier) UpdateActionRun(ctx context.Context, r *storage.ActionRun, from ...storage.ActionRunStatus) error {
	sets := strings.Split(runSetColumns, ",")
	for i := range sets {
		sets[i] = strings.TrimSpace(sets[i]) + " = ?"
	}
	args := append(runArgs(r), r.ID)
	for _, s := range from {
		args = append(args, string(s))
	}
	err := q.write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, `UPDATE action_runs SET `+strings.Join(sets, ", ")+`
			WHERE id = ? AND status IN (`+placeholders(len(from))+`)`, args...)
		if err != nil || n == 1 {
			return err
		}
		var status string
		if err := w.tx.QueryRowContext(ctx, `SELECT status FROM action_runs WHERE id = ?`, r.ID).Scan(&status); err != nil {
			return mapErr(err)
		}
		return fmt.Errorf("it is %s: %w", status, storage.ErrConflict)
	})
	if err != nil {
		return fmt.Errorf("update action run %s: %w", r.ID, err)
	}
	return nil
}

// ClaimRequestedActionRuns returns up to limit requested runs, oldest
// first. Inside InTx the writer's BEGIN IMMEDIATE keeps every other writer
// out until the transaction ends, which is what makes the claim exclusive.
func (q *querier) ClaimRequestedActionRuns(ctx context.Context, limit int) ([]storage.ActionRun, error) {
	return claimRows(ctx, q, "claim requested action runs", limit, scanRun,
		`SELECT `+runColumns+` FROM action_runs WHERE status = 'requested' ORDER BY requested_at, id LIMIT ?`, limit)
}

// ClaimExpiredActionRuns returns up to limit running runs whose lease
// ended at or before now.
func (q *querier) ClaimExpiredActionRuns(ctx context.Context, now time.Time, limit int) ([]storage.ActionRun, error) {
	return claimRows(ctx, q, "claim expired action runs", limit, scanRun,
		`SELECT `+runColumns+` FROM action_runs WHERE status = 'running' AND lease_until <= ?
		ORDER BY lease_until, id LIMIT ?`, encTime(now), limit)
}
