package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

const draftCols = `id, incident_id, reason, requested_by_platform, requested_by_id, requested_by_name,
	requested_at, status, attempts, lease_until, posted_at, source, last_error`

func scanDraft(r scanner) (storage.Draft, error) {
	var (
		d      storage.Draft
		status string
	)
	err := r.Scan(&d.ID, &d.IncidentID, &d.Reason, &d.RequestedBy.Platform, &d.RequestedBy.ID, &d.RequestedBy.Name,
		timeCol(&d.RequestedAt), &status, &d.Attempts, timePtrCol(&d.LeaseUntil), timePtrCol(&d.PostedAt), &d.Source, &d.LastError)
	if err != nil {
		return d, mapErr(err)
	}
	d.Status = storage.DraftStatus(status)
	return d, nil
}

// errPendingDraft rolls back a request that found one pending.
var errPendingDraft = errors.New("a draft is pending")

// RequestDraft records d as pending unless one of its incident is.
func (q *querier) RequestDraft(ctx context.Context, d *storage.Draft) (bool, error) {
	var id int64
	err := q.write(ctx, func(w *querier) error {
		err := w.tx.QueryRowContext(ctx, `INSERT INTO postmortem_drafts
			(incident_id, reason, requested_by_platform, requested_by_id, requested_by_name, requested_at, status)
			VALUES (?, ?, ?, ?, ?, ?, 'pending')
			ON CONFLICT DO NOTHING RETURNING id`,
			d.IncidentID, d.Reason, d.RequestedBy.Platform, d.RequestedBy.ID, d.RequestedBy.Name, encTime(d.RequestedAt)).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows): // nothing inserted: one is pending
			return errPendingDraft
		case isForeignKey(err):
			return fmt.Errorf("no incident %d: %w", d.IncidentID, storage.ErrNotFound)
		}
		return mapErr(err)
	})
	switch {
	case err == nil:
		d.ID, d.Status = id, storage.DraftPending
		return true, nil
	case errors.Is(err, errPendingDraft):
		return false, nil
	}
	return false, fmt.Errorf("request draft: %w", err)
}

// ClaimDraft leases the oldest due pending request. SQLite has one writer,
// so the claim is atomic.
func (q *querier) ClaimDraft(ctx context.Context, now time.Time, lease time.Duration) (storage.Draft, error) {
	return queryOne(ctx, q.writeDB, "claim draft", scanDraft, `UPDATE postmortem_drafts SET attempts = attempts + 1, lease_until = ?
		WHERE id = (
			SELECT id FROM postmortem_drafts
			WHERE status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
			ORDER BY id LIMIT 1)
		RETURNING `+draftCols, encTime(now.Add(lease)), encTime(now))
}

// FinishDraft marks a claimed request posted, fenced by its attempt count.
func (q *querier) FinishDraft(ctx context.Context, id int64, attempt int, at time.Time, source, lastErr string) error {
	err := q.write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, `UPDATE postmortem_drafts
			SET status = 'posted', posted_at = ?, source = ?, last_error = ?, lease_until = NULL
			WHERE id = ? AND attempts = ? AND status = 'pending'`, encTime(at), source, lastErr, id, attempt)
		if err != nil || n == 1 {
			return err
		}
		var c int
		if err := w.tx.QueryRowContext(ctx, `SELECT count(*) FROM postmortem_drafts WHERE id = ?`, id).Scan(&c); err != nil {
			return mapErr(err)
		}
		if c == 0 {
			return storage.ErrNotFound
		}
		return fmt.Errorf("posted already or claimed again: %w", storage.ErrConflict)
	})
	if err != nil {
		return fmt.Errorf("finish draft %d: %w", id, err)
	}
	return nil
}

// ListDrafts returns an incident's requests, oldest first.
func (q *querier) ListDrafts(ctx context.Context, incidentID int64) ([]storage.Draft, error) {
	return queryAll(ctx, q.read, "list drafts", nil, scanDraft,
		`SELECT `+draftCols+` FROM postmortem_drafts WHERE incident_id = ? ORDER BY id`, incidentID)
}
