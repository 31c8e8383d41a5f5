package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

const draftCols = `id, incident_id, reason, requested_by_platform, requested_by_id, requested_by_name,
	requested_at, status, attempts, lease_until, posted_at, source, last_error`

func scanDraft(row pgx.Row) (storage.Draft, error) {
	var (
		d      storage.Draft
		status string
	)
	err := row.Scan(&d.ID, &d.IncidentID, &d.Reason, &d.RequestedBy.Platform, &d.RequestedBy.ID, &d.RequestedBy.Name,
		&d.RequestedAt, &status, &d.Attempts, &d.LeaseUntil, &d.PostedAt, &d.Source, &d.LastError)
	if err != nil {
		return d, err
	}
	d.Status = storage.DraftStatus(status)
	d.RequestedAt = d.RequestedAt.UTC()
	d.LeaseUntil = utcPtr(d.LeaseUntil)
	d.PostedAt = utcPtr(d.PostedAt)
	return d, nil
}

// RequestDraft records d as pending unless one of its incident is.
func (q querier) RequestDraft(ctx context.Context, d *storage.Draft) (bool, error) {
	err := q.db.QueryRow(ctx, `INSERT INTO postmortem_drafts
		(incident_id, reason, requested_by_platform, requested_by_id, requested_by_name, requested_at, status)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending')
		ON CONFLICT DO NOTHING RETURNING id`,
		d.IncidentID, d.Reason, d.RequestedBy.Platform, d.RequestedBy.ID, d.RequestedBy.Name, d.RequestedAt).Scan(&d.ID)
	if isNoRows(err) {
		return false, nil
	}
	if isForeignKey(err) {
		return false, fmt.Errorf("request draft: no incident %d: %w", d.IncidentID, storage.ErrNotFound)
	}
	if err != nil {
		return false, mapErr("request draft", err)
	}
	d.Status = storage.DraftPending
	return true, nil
}

// ClaimDraft leases the oldest due pending request; FOR UPDATE SKIP LOCKED
// keeps concurrent workers on different rows.
func (q querier) ClaimDraft(ctx context.Context, now time.Time, lease time.Duration) (storage.Draft, error) {
	return queryOne(ctx, q.db, "claim draft", scanDraft, `UPDATE postmortem_drafts SET attempts = attempts + 1, lease_until = $2
		WHERE id = (
			SELECT id FROM postmortem_drafts
			WHERE status = 'pending' AND (lease_until IS NULL OR lease_until <= $1)
			ORDER BY id LIMIT 1
			FOR UPDATE SKIP LOCKED)
		RETURNING `+draftCols, now, now.Add(lease))
}

// FinishDraft marks a claimed request posted, fenced by its attempt count.
func (q querier) FinishDraft(ctx context.Context, id int64, attempt int, at time.Time, source, lastErr string) error {
	tag, err := q.db.Exec(ctx, `UPDATE postmortem_drafts
		SET status = 'posted', posted_at = $3, source = $4, last_error = $5, lease_until = NULL
		WHERE id = $1 AND attempts = $2 AND status = 'pending'`, id, attempt, at, source, lastErr)
	what := fmt.Sprintf("finish draft %d", id)
	if err != nil {
		return mapErr(what, err)
	}
	if tag.RowsAffected() == 0 {
		var n int
		if err := q.db.QueryRow(ctx, `SELECT count(*) FROM postmortem_drafts WHERE id = $1`, id).Scan(&n); err != nil {
			return mapErr(what, err)
		}
		if n == 0 {
			return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
		}
		return fmt.Errorf("%s: posted already or claimed again: %w", what, storage.ErrConflict)
	}
	return nil
}

// ListDrafts returns an incident's requests, oldest first.
func (q querier) ListDrafts(ctx context.Context, incidentID int64) ([]storage.Draft, error) {
	return queryRows(ctx, q.db, "list drafts", nil, scanDraft,
		`SELECT `+draftCols+` FROM postmortem_drafts WHERE incident_id = $1 ORDER BY id`, incidentID)
}
