package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

const pageCols = `id, incident_id, step, target, action, message, requested_by_platform, requested_by_id,
	requested_by_name, status, attempts, next_attempt_at, lease_until, last_error, created_at, updated_at`

func scanPage(row pgx.Row) (storage.Page, error) {
	var (
		p      storage.Page
		status string
	)
	err := row.Scan(&p.ID, &p.IncidentID, &p.Step, &p.Target, &p.Action, &p.Message, &p.RequestedBy.Platform,
		&p.RequestedBy.ID, &p.RequestedBy.Name, &status, &p.Attempts, &p.NextAttemptAt, &p.LeaseUntil,
		&p.LastError, &p.CreatedAt, &p.UpdatedAt)
	p.Status = storage.PageStatus(status)
	p.NextAttemptAt, p.CreatedAt, p.UpdatedAt = p.NextAttemptAt.UTC(), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.LeaseUntil = utcPtr(p.LeaseUntil)
	return p, err
}

// RequestPage records a pending page unless its step was requested.
func (q querier) RequestPage(ctx context.Context, p *storage.Page) (bool, error) {
	err := q.db.QueryRow(ctx, `INSERT INTO pages (incident_id, step, target, action, message, requested_by_platform,
			requested_by_id, requested_by_name, status, next_attempt_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9, $9)
		ON CONFLICT (incident_id, step) DO NOTHING RETURNING id`,
		p.IncidentID, p.Step, p.Target, p.Action, p.Message, p.RequestedBy.Platform, p.RequestedBy.ID,
		p.RequestedBy.Name, p.CreatedAt).Scan(&p.ID)
	switch {
	case isNoRows(err):
		return false, nil
	case isForeignKey(err):
		return false, fmt.Errorf("request page: no incident %d: %w", p.IncidentID, storage.ErrNotFound)
	case err != nil:
		return false, mapErr("request page", err)
	}
	p.Status, p.NextAttemptAt, p.UpdatedAt = storage.PagePending, p.CreatedAt, p.CreatedAt
	return true, nil
}

// ClaimPage leases the oldest due pending page.
func (q querier) ClaimPage(ctx context.Context, now time.Time, lease time.Duration) (storage.Page, error) {
	return queryOne(ctx, q.db, "claim page", scanPage, `UPDATE pages
		SET status = 'sending', attempts = attempts + 1, lease_until = $2, updated_at = $1
		WHERE id = (SELECT id FROM pages WHERE status = 'pending' AND next_attempt_at <= $1
			ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+pageCols, now, now.Add(lease))
}

// FinishPage records a claimed page's outcome, fenced by its attempt.
func (q querier) FinishPage(ctx context.Context, id int64, attempt int, status storage.PageStatus, next time.Time, lastErr string, at time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE pages SET status = $3, next_attempt_at = $4, last_error = $5, updated_at = $6,
			lease_until = NULL
		WHERE id = $1 AND attempts = $2 AND status = 'sending'`, id, attempt, string(status), next, lastErr, at)
	what := fmt.Sprintf("finish page %d", id)
	if err != nil {
		return mapErr(what, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: claimed again or no longer sending: %w", what, storage.ErrConflict)
	}
	return nil
}

// ExpirePages marks unknown the pages whose sender's lease ran out.
func (q querier) ExpirePages(ctx context.Context, now time.Time) ([]storage.Page, error) {
	return queryRows(ctx, q.db, "expire pages", nil, scanPage, `UPDATE pages
		SET status = 'unknown', lease_until = NULL, updated_at = $1,
			last_error = 'the worker stopped while sending it; it may or may not have gone out'
		WHERE status = 'sending' AND lease_until <= $1 RETURNING `+pageCols, now)
}

// ListPages returns an incident's pages, oldest first.
func (q querier) ListPages(ctx context.Context, incidentID int64) ([]storage.Page, error) {
	return queryRows(ctx, q.db, "list pages", nil, scanPage,
		`SELECT `+pageCols+` FROM pages WHERE incident_id = $1 ORDER BY id`, incidentID)
}
