package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

const pageCols = `id, incident_id, step, target, action, message, requested_by_platform, requested_by_id,
	requested_by_name, status, attempts, next_attempt_at, lease_until, last_error, created_at, updated_at`

func scanPage(r scanner) (storage.Page, error) {
	var (
		p      storage.Page
		status string
	)
	err := r.Scan(&p.ID, &p.IncidentID, &p.Step, &p.Target, &p.Action, &p.Message, &p.RequestedBy.Platform,
		&p.RequestedBy.ID, &p.RequestedBy.Name, &status, &p.Attempts, timeCol(&p.NextAttemptAt), timePtrCol(&p.LeaseUntil),
		&p.LastError, timeCol(&p.CreatedAt), timeCol(&p.UpdatedAt))
	p.Status = storage.PageStatus(status)
	return p, mapErr(err)
}

// errPageStep rolls back a request whose step was requested before.
var errPageStep = errors.New("page step requested before")

// RequestPage records a pending page unless its step was requested.
func (q *querier) RequestPage(ctx context.Context, p *storage.Page) (bool, error) {
	var id int64
	err := q.write(ctx, func(w *querier) error {
		at := encTime(p.CreatedAt)
		err := w.tx.QueryRowContext(ctx, `INSERT INTO pages (incident_id, step, target, action, message, requested_by_platform,
				requested_by_id, requested_by_name, status, next_attempt_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
			ON CONFLICT (incident_id, step) DO NOTHING RETURNING id`,
			p.IncidentID, p.Step, p.Target, p.Action, p.Message, p.RequestedBy.Platform, p.RequestedBy.ID,
			p.RequestedBy.Name, at, at, at).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return errPageStep
		case isForeignKey(err):
			return fmt.Errorf("no incident %d: %w", p.IncidentID, storage.ErrNotFound)
		}
		return mapErr(err)
	})
	switch {
	case errors.Is(err, errPageStep):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("request page: %w", err)
	}
	p.ID, p.Status, p.NextAttemptAt, p.UpdatedAt = id, storage.PagePending, p.CreatedAt, p.CreatedAt
	return true, nil
}

// ClaimPage leases the oldest due pending page; SQLite has one writer.
func (q *querier) ClaimPage(ctx context.Context, now time.Time, lease time.Duration) (storage.Page, error) {
	return queryOne(ctx, q.writeDB, "claim page", scanPage, `UPDATE pages
		SET status = 'sending', attempts = attempts + 1, lease_until = ?, updated_at = ?
		WHERE id = (SELECT id FROM pages WHERE status = 'pending' AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT 1)
		RETURNING `+pageCols, encTime(now.Add(lease)), encTime(now), encTime(now))
}

// FinishPage records a claimed page's outcome, fenced by its attempt.
func (q *querier) FinishPage(ctx context.Context, id int64, attempt int, status storage.PageStatus, next time.Time, lastErr string, at time.Time) error {
	n, err := q.execWrite(ctx, fmt.Sprintf("finish page %d", id), `UPDATE pages
		SET status = ?, next_attempt_at = ?, last_error = ?, updated_at = ?, lease_until = NULL
		WHERE id = ? AND attempts = ? AND status = 'sending'`, string(status), encTime(next), lastErr, encTime(at), id, attempt)
	if err == nil && n == 0 {
		err = fmt.Errorf("finish page %d: claimed again or no longer sending: %w", id, storage.ErrConflict)
	}
	return err
}

// ExpirePages marks unknown the pages whose sender's lease ran out.
func (q *querier) ExpirePages(ctx context.Context, now time.Time) ([]storage.Page, error) {
	return queryAll(ctx, q.writeDB, "expire pages", nil, scanPage, `UPDATE pages
		SET status = 'unknown', lease_until = NULL, updated_at = ?,
			last_error = 'the worker stopped while sending it; it may or may not have gone out'
		WHERE status = 'sending' AND lease_until <= ? RETURNING `+pageCols, encTime(now), encTime(now))
}

// ListPages returns an incident's pages, oldest first.
func (q *querier) ListPages(ctx context.Context, incidentID int64) ([]storage.Page, error) {
	return queryAll(ctx, q.read, "list pages", nil, scanPage,
		`SELECT `+pageCols+` FROM pages WHERE incident_id = ? ORDER BY id`, incidentID)
}
