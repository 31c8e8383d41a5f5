package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

const followUpCols = `id, incident_id, text, owner_platform, owner_id, owner_name,
	created_by_platform, created_by_id, created_by_name, created_at, tracker, ticket_status, attempts,
	lease_until, ticket_key, ticket_url, ticket_state, checked_at, last_error`

func scanFollowUp(row pgx.Row) (storage.FollowUp, error) {
	var (
		f      storage.FollowUp
		status string
	)
	err := row.Scan(&f.ID, &f.IncidentID, &f.Text, &f.Owner.Platform, &f.Owner.ID, &f.Owner.Name,
		&f.CreatedBy.Platform, &f.CreatedBy.ID, &f.CreatedBy.Name, &f.CreatedAt, &f.Tracker, &status, &f.Attempts,
		&f.LeaseUntil, &f.TicketKey, &f.TicketURL, &f.TicketState, &f.CheckedAt, &f.LastError)
	if err != nil {
		return f, err
	}
	f.TicketStatus = storage.TicketStatus(status)
	f.CreatedAt = f.CreatedAt.UTC()
	f.LeaseUntil = utcPtr(f.LeaseUntil)
	f.CheckedAt = utcPtr(f.CheckedAt)
	return f, nil
}

// AddFollowUp inserts f and sets its ID.
func (q querier) AddFollowUp(ctx context.Context, f *storage.FollowUp) error {
	if f.TicketStatus == "" {
		f.TicketStatus = storage.TicketNone
	}
	err := q.db.QueryRow(ctx, `INSERT INTO follow_ups
		(incident_id, text, owner_platform, owner_id, owner_name, created_by_platform, created_by_id, created_by_name,
		 created_at, tracker, ticket_status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		f.IncidentID, f.Text, f.Owner.Platform, f.Owner.ID, f.Owner.Name, f.CreatedBy.Platform, f.CreatedBy.ID,
		f.CreatedBy.Name, f.CreatedAt, f.Tracker, string(f.TicketStatus)).Scan(&f.ID)
	if isForeignKey(err) {
		return fmt.Errorf("add follow-up: no incident %d: %w", f.IncidentID, storage.ErrNotFound)
	}
	if err != nil {
		return mapErr("add follow-up", err)
	}
	return nil
}

// ListFollowUps returns an incident's follow-ups, oldest first.
func (q querier) ListFollowUps(ctx context.Context, incidentID int64) ([]storage.FollowUp, error) {
	return queryRows(ctx, q.db, "list follow-ups", nil, scanFollowUp,
		`SELECT `+followUpCols+` FROM follow_ups WHERE incident_id = $1 ORDER BY id`, incidentID)
}

// RequestTickets marks an incident's follow-ups without a ticket pending.
func (q querier) RequestTickets(ctx context.Context, incidentID int64, tracker string) (int64, error) {
	tag, err := q.db.Exec(ctx, `UPDATE follow_ups SET ticket_status = 'pending', tracker = $2
		WHERE incident_id = $1 AND ticket_status = 'none'`, incidentID, tracker)
	if err != nil {
		return 0, mapErr("request tickets", err)
	}
	return tag.RowsAffected(), nil
}

// ClaimTicket first marks run-out claims unknown, then claims the oldest
// pending follow-up; FOR UPDATE SKIP LOCKED keeps concurrent workers on
// different rows.
func (q querier) ClaimTicket(ctx context.Context, now time.Time, lease time.Duration) (storage.FollowUp, []storage.FollowUp, error) {
	expired, err := queryRows(ctx, q.db, "claim ticket", nil, scanFollowUp, `UPDATE follow_ups
		SET ticket_status = 'unknown', lease_until = NULL,
		    last_error = 'the worker creating the ticket stopped before it knew whether the tracker created it'
		WHERE id IN (SELECT id FROM follow_ups WHERE ticket_status = 'creating' AND lease_until <= $1 FOR UPDATE SKIP LOCKED)
		RETURNING `+followUpCols, now)
	if err != nil {
		return storage.FollowUp{}, nil, err
	}
	claimed, err := queryOne(ctx, q.db, "claim ticket", scanFollowUp, `UPDATE follow_ups
		SET ticket_status = 'creating', attempts = attempts + 1, lease_until = $1
		WHERE id = (SELECT id FROM follow_ups WHERE ticket_status = 'pending' AND (lease_until IS NULL OR lease_until <= $2)
		            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING `+followUpCols, now.Add(lease), now)
	return claimed, expired, err
}

// fenced runs a fenced update of a claimed follow-up and tells a lost
// claim (ErrConflict) from a missing row (ErrNotFound).
func (q querier) fenced(ctx context.Context, what string, id int64, sql string, args ...any) error {
	what = fmt.Sprintf("%s %d", what, id)
	tag, err := q.db.Exec(ctx, sql, args...)
	if err != nil {
		return mapErr(what, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var n int
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM follow_ups WHERE id = $1`, id).Scan(&n); err != nil {
		return mapErr(what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
	}
	return fmt.Errorf("%s: no longer creating or claimed again: %w", what, storage.ErrConflict)
}

// FinishTicket records a claim's outcome, fenced by its attempt count.
func (q querier) FinishTicket(ctx context.Context, id int64, attempt int, o storage.TicketOutcome) error {
	state := ""
	if o.Status == storage.TicketCreated {
		state = storage.TicketOpen
	}
	return q.fenced(ctx, "finish ticket", id, `UPDATE follow_ups
		SET ticket_status = $3, ticket_key = $4, ticket_url = $5, last_error = $6, ticket_state = $7, lease_until = NULL
		WHERE id = $1 AND attempts = $2 AND ticket_status = 'creating'`,
		id, attempt, string(o.Status), o.Key, o.URL, o.Error, state)
}

// RetryTicket puts a claimed follow-up back to pending.
func (q querier) RetryTicket(ctx context.Context, id int64, attempt int, notBefore time.Time, lastErr string) error {
	return q.fenced(ctx, "retry ticket", id, `UPDATE follow_ups
		SET ticket_status = 'pending', last_error = $3, lease_until = $4
		WHERE id = $1 AND attempts = $2 AND ticket_status = 'creating'`, id, attempt, lastErr, notBefore)
}

// DueTicketChecks returns created tickets not checked since before.
func (q querier) DueTicketChecks(ctx context.Context, before time.Time, limit int) ([]storage.FollowUp, error) {
	return queryRows(ctx, q.db, "due ticket checks", []storage.FollowUp{}, scanFollowUp,
		`SELECT `+followUpCols+` FROM follow_ups
		WHERE ticket_status = 'created' AND (checked_at IS NULL OR checked_at < $1)
		ORDER BY checked_at NULLS FIRST, id LIMIT $2`, before, limit)
}

// SetTicketState records a ticket's state.
func (q querier) SetTicketState(ctx context.Context, id int64, state string, at time.Time) error {
	return execOne(ctx, q.db, fmt.Sprintf("set ticket state %d", id),
		`UPDATE follow_ups SET ticket_state = $2, checked_at = $3 WHERE id = $1`, id, state, at)
}
