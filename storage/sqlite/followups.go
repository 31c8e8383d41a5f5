package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

const followUpCols = `id, incident_id, text, owner_platform, owner_id, owner_name,
	created_by_platform, created_by_id, created_by_name, created_at, tracker, ticket_status, attempts,
	lease_until, ticket_key, ticket_url, ticket_state, checked_at, last_error`

func scanFollowUp(r scanner) (storage.FollowUp, error) {
	var (
		f      storage.FollowUp
		status string
	)
	err := r.Scan(&f.ID, &f.IncidentID, &f.Text, &f.Owner.Platform, &f.Owner.ID, &f.Owner.Name,
		&f.CreatedBy.Platform, &f.CreatedBy.ID, &f.CreatedBy.Name, timeCol(&f.CreatedAt), &f.Tracker, &status, &f.Attempts,
		timePtrCol(&f.LeaseUntil), &f.TicketKey, &f.TicketURL, &f.TicketState, timePtrCol(&f.CheckedAt), &f.LastError)
	if err != nil {
		return f, mapErr(err)
	}
	f.TicketStatus = storage.TicketStatus(status)
	return f, nil
}

// AddFollowUp inserts f and sets its ID.
func (q *querier) AddFollowUp(ctx context.Context, f *storage.FollowUp) error {
	if f.TicketStatus == "" {
		f.TicketStatus = storage.TicketNone
	}
	err := q.write(ctx, func(w *querier) error {
		err := w.tx.QueryRowContext(ctx, `INSERT INTO follow_ups
			(incident_id, text, owner_platform, owner_id, owner_name, created_by_platform, created_by_id, created_by_name,
			 created_at, tracker, ticket_status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			f.IncidentID, f.Text, f.Owner.Platform, f.Owner.ID, f.Owner.Name, f.CreatedBy.Platform, f.CreatedBy.ID,
			f.CreatedBy.Name, encTime(f.CreatedAt), f.Tracker, string(f.TicketStatus)).Scan(&f.ID)
		if isForeignKey(err) {
			return fmt.Errorf("no incident %d: %w", f.IncidentID, storage.ErrNotFound)
		}
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("add follow-up: %w", err)
	}
	return nil
}

// ListFollowUps returns an incident's follow-ups, oldest first.
func (q *querier) ListFollowUps(ctx context.Context, incidentID int64) ([]storage.FollowUp, error) {
	return queryAll(ctx, q.read, "list follow-ups", nil, scanFollowUp,
		`SELECT `+followUpCols+` FROM follow_ups WHERE incident_id = ? ORDER BY id`, incidentID)
}

// RequestTickets marks an incident's follow-ups without a ticket pending.
func (q *querier) RequestTickets(ctx context.Context, incidentID int64, tracker string) (int64, error) {
	n, err := q.execWrite(ctx, "request tickets", `UPDATE follow_ups SET ticket_status = 'pending', tracker = ?
		WHERE incident_id = ? AND ticket_status = 'none'`, tracker, incidentID)
	return int64(n), err
}

// ClaimTicket first marks run-out claims unknown, then claims the oldest
// pending follow-up. SQLite has one writer, so the claim is atomic.
func (q *querier) ClaimTicket(ctx context.Context, now time.Time, lease time.Duration) (storage.FollowUp, []storage.FollowUp, error) {
	var (
		claimed storage.FollowUp
		expired []storage.FollowUp
		none    bool
	)
	err := q.write(ctx, func(w *querier) error {
		var err error
		expired, err = queryRows(ctx, w.tx, nil, scanFollowUp, `UPDATE follow_ups
			SET ticket_status = 'unknown', lease_until = NULL,
			    last_error = 'the worker creating the ticket stopped before it knew whether the tracker created it'
			WHERE ticket_status = 'creating' AND lease_until <= ?
			RETURNING `+followUpCols, encTime(now))
		if err != nil {
			return err
		}
		claimed, err = scanFollowUp(w.tx.QueryRowContext(ctx, `UPDATE follow_ups
			SET ticket_status = 'creating', attempts = attempts + 1, lease_until = ?
			WHERE id = (SELECT id FROM follow_ups WHERE ticket_status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
			            ORDER BY id LIMIT 1)
			RETURNING `+followUpCols, encTime(now.Add(lease)), encTime(now)))
		if errors.Is(err, storage.ErrNotFound) {
			// Nothing pending: commit what expired all the same.
			none = true
			return nil
		}
		return err
	})
	if err == nil && none {
		err = storage.ErrNotFound
	}
	if err != nil {
		return storage.FollowUp{}, expired, fmt.Errorf("claim ticket: %w", err)
	}
	return claimed, expired, nil
}

// fenced runs a fenced update of a claimed follow-up and tells a lost
// claim (ErrConflict) from a missing row (ErrNotFound).
func (q *querier) fenced(ctx context.Context, what string, id int64, query string, args ...any) error {
	err := q.write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, query, args...)
		if err != nil || n == 1 {
			return err
		}
		var c int
		err = w.tx.QueryRowContext(ctx, `SELECT count(*) FROM follow_ups WHERE id = ?`, id).Scan(&c)
		switch {
		case errors.Is(err, sql.ErrNoRows), err == nil && c == 0:
			return storage.ErrNotFound
		case err != nil:
			return mapErr(err)
		}
		return fmt.Errorf("no longer creating or claimed again: %w", storage.ErrConflict)
	})
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	return nil
}

// FinishTicket records a claim's outcome, fenced by its attempt count.
func (q *querier) FinishTicket(ctx context.Context, id int64, attempt int, o storage.TicketOutcome) error {
	state := ""
	if o.Status == storage.TicketCreated {
		state = storage.TicketOpen
	}
	return q.fenced(ctx, "finish ticket", id, `UPDATE follow_ups
		SET ticket_status = ?, ticket_key = ?, ticket_url = ?, last_error = ?, ticket_state = ?, lease_until = NULL
		WHERE id = ? AND attempts = ? AND ticket_status = 'creating'`,
		string(o.Status), o.Key, o.URL, o.Error, state, id, attempt)
}

// RetryTicket puts a claimed follow-up back to pending.
func (q *querier) RetryTicket(ctx context.Context, id int64, attempt int, notBefore time.Time, lastErr string) error {
	return q.fenced(ctx, "retry ticket", id, `UPDATE follow_ups
		SET ticket_status = 'pending', last_error = ?, lease_until = ?
		WHERE id = ? AND attempts = ? AND ticket_status = 'creating'`, lastErr, encTime(notBefore), id, attempt)
}

// DueTicketChecks returns created tickets not checked since before.
func (q *querier) DueTicketChecks(ctx context.Context, before time.Time, limit int) ([]storage.FollowUp, error) {
	return queryAll(ctx, q.read, "due ticket checks", []storage.FollowUp{}, scanFollowUp,
		`SELECT `+followUpCols+` FROM follow_ups
		WHERE ticket_status = 'created' AND (checked_at IS NULL OR checked_at < ?)
		ORDER BY checked_at IS NOT NULL, checked_at, id LIMIT ?`, encTime(before), limit)
}

// SetTicketState records a ticket's state.
func (q *querier) SetTicketState(ctx context.Context, id int64, state string, at time.Time) error {
	return q.updateOne(ctx, fmt.Sprintf("set ticket state %d", id),
		`UPDATE follow_ups SET ticket_state = ?, checked_at = ? WHERE id = ?`, state, encTime(at), id)
}
