package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

const checkinColumns = `id, key, kind, COALESCE(incident_id, 0), spec, active, next_due_at,
	unanswered, escalation, fired, open_fire_id, updated_at`

func scanCheckin(r scanner) (storage.Checkin, error) {
	var (
		c      storage.Checkin
		kind   string
		active int
	)
	err := r.Scan(&c.ID, &c.Key, &kind, &c.IncidentID, &c.Spec, &active, timeCol(&c.NextDueAt),
		&c.Unanswered, &c.Escalation, &c.Fired, &c.OpenFireID, timeCol(&c.UpdatedAt))
	if err != nil {
		return c, mapErr(err)
	}
	c.Kind, c.Active = storage.CheckinKind(kind), active == 1
	return c, nil
}

// nullID is id, or NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateCheckin inserts c and sets its ID; ErrConflict when its key exists.
func (q *querier) CreateCheckin(ctx context.Context, c *storage.Checkin) error {
	var id int64
	err := q.write(ctx, func(w *querier) error {
		err := w.tx.QueryRowContext(ctx, `INSERT INTO checkins
			(key, kind, incident_id, spec, active, next_due_at, unanswered, escalation, fired, open_fire_id, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING RETURNING id`,
			c.Key, string(c.Kind), nullID(c.IncidentID), c.Spec, boolInt(c.Active), encTime(c.NextDueAt),
			c.Unanswered, c.Escalation, c.Fired, c.OpenFireID, encTime(c.UpdatedAt)).Scan(&id)
		if isForeignKey(err) {
			return fmt.Errorf("no incident %d: %w", c.IncidentID, storage.ErrNotFound)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("it exists: %w", storage.ErrConflict)
		}
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("create check-in %s: %w", c.Key, err)
	}
	c.ID = id
	return nil
}

// UpdateCheckin saves the schedule and counters of c.
func (q *querier) UpdateCheckin(ctx context.Context, c *storage.Checkin) error {
	return q.updateOne(ctx, fmt.Sprintf("update check-in %d", c.ID), `UPDATE checkins SET spec = ?, active = ?, next_due_at = ?,
		unanswered = ?, escalation = ?, fired = ?, open_fire_id = ?, updated_at = ?
		WHERE id = ?`,
		c.Spec, boolInt(c.Active), encTime(c.NextDueAt), c.Unanswered, c.Escalation, c.Fired,
		c.OpenFireID, encTime(c.UpdatedAt), c.ID)
}

// ResetCheckinCounts clears the counts of an incident's active check-ins.
func (q *querier) ResetCheckinCounts(ctx context.Context, incidentID int64, at time.Time) error {
	_, err := q.execWrite(ctx, fmt.Sprintf("reset check-in counts of incident %d", incidentID),
		`UPDATE checkins SET unanswered = 0, escalation = 0, updated_at = ?
		WHERE incident_id = ? AND active = 1 AND (unanswered <> 0 OR escalation <> 0)`, encTime(at), incidentID)
	return err
}

// GetCheckin returns the check-in with key.
func (q *querier) GetCheckin(ctx context.Context, key string) (storage.Checkin, error) {
	return queryOne(ctx, q.read, "check-in "+key, scanCheckin,
		`SELECT `+checkinColumns+` FROM checkins WHERE key = ?`, key)
}

// ListCheckins returns an incident's check-ins in ID order.
func (q *querier) ListCheckins(ctx context.Context, incidentID int64) ([]storage.Checkin, error) {
	return queryAll(ctx, q.read, fmt.Sprintf("list check-ins of incident %d", incidentID), []storage.Checkin{}, scanCheckin,
		`SELECT `+checkinColumns+` FROM checkins WHERE incident_id = ? ORDER BY id`, incidentID)
}

// claimDueCheckinsSQL walks checkins_due_idx in due order and stops after
// limit rows, checking each one's incident by primary key. (Written as
// "incident_id IN (SELECT id FROM incidents WHERE state = 'open')", the
// planner, without statistics, drove the query from every open incident
// and sorted all their check-ins on every claim: with 10,000 open
// incidents that was half the CPU of a burst of check-ins.)
const claimDueCheckinsSQL = `SELECT ` + checkinColumns + ` FROM checkins c
	WHERE active = 1 AND next_due_at <= ?
	  AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = c.incident_id AND i.state = 'open')
	ORDER BY next_due_at, id LIMIT ?`

// nextCheckinDueSQL is the earliest claimable due time: the first row of
// checkins_due_idx that qualifies, not min() over all of them.
const nextCheckinDueSQL = `SELECT next_due_at FROM checkins c
	WHERE active = 1
	  AND (incident_id IS NULL OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = c.incident_id AND i.state = 'open'))
	ORDER BY next_due_at LIMIT 1`

// ClaimDueCheckins returns up to limit due check-ins of open incidents.
// Inside InTx the writer's BEGIN IMMEDIATE keeps every other writer out
// until the transaction ends, which is what makes the claim exclusive.
func (q *querier) ClaimDueCheckins(ctx context.Context, now time.Time, limit int) ([]storage.Checkin, error) {
	return claimRows(ctx, q, "claim due check-ins", limit, scanCheckin, claimDueCheckinsSQL, encTime(now), limit)
}

// ClaimDueCheckin returns the check-in with key if it is active and due.
func (q *querier) ClaimDueCheckin(ctx context.Context, key string, now time.Time) (storage.Checkin, error) {
	return queryOne(ctx, q.writeDB, "claim check-in "+key, scanCheckin, `SELECT `+checkinColumns+` FROM checkins
		WHERE key = ? AND active = 1 AND next_due_at <= ?`, key, encTime(now))
}

// NextCheckinDue returns the earliest due time of the claimable check-ins.
func (q *querier) NextCheckinDue(ctx context.Context) (time.Time, error) {
	var due sql.NullString
	err := q.read(ctx, func(db dbtx) error {
		return mapErr(db.QueryRowContext(ctx, nextCheckinDueSQL).Scan(&due))
	})
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !due.Valid) {
		return time.Time{}, fmt.Errorf("next check-in due: none is active: %w", storage.ErrNotFound)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("next check-in due: %w", err)
	}
	return decTime(due.String)
}

const fireColumns = `id, checkin_id, COALESCE(incident_id, 0), seq, due_at, fired_at, late, escalation, status, answer,
	answered_by_platform, answered_by_id, answered_by_name, answered_at, closed_at`

func scanFire(r scanner) (storage.CheckinFire, error) {
	var (
		f      storage.CheckinFire
		status string
		late   int
	)
	err := r.Scan(&f.ID, &f.CheckinID, &f.IncidentID, &f.Seq, timeCol(&f.DueAt), timeCol(&f.FiredAt), &late, &f.Escalation,
		&status, &f.Answer, &f.AnsweredBy.Platform, &f.AnsweredBy.ID, &f.AnsweredBy.Name,
		timePtrCol(&f.AnsweredAt), timePtrCol(&f.ClosedAt))
	if err != nil {
		return f, mapErr(err)
	}
	f.Status, f.Late = storage.FireStatus(status), late == 1
	return f, nil
}

// RecordCheckinFire inserts f as open; ErrConflict when the check-in fired
// for f.DueAt before.
func (q *querier) RecordCheckinFire(ctx context.Context, f *storage.CheckinFire) error {
	var id int64
	err := q.write(ctx, func(w *querier) error {
		return mapErr(w.tx.QueryRowContext(ctx, `INSERT INTO checkin_fires
			(checkin_id, incident_id, seq, due_at, fired_at, late, escalation, status)
			VALUES (?,?,?,?,?,?,?,'open') ON CONFLICT (checkin_id, due_at) DO NOTHING RETURNING id`,
			f.CheckinID, nullID(f.IncidentID), f.Seq, encTime(f.DueAt), encTime(f.FiredAt),
			boolInt(f.Late), f.Escalation).Scan(&id))
	})
	if errors.Is(err, storage.ErrNotFound) { // no row returned: the conflict was ignored
		err = fmt.Errorf("fired already: %w", storage.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("record fire of check-in %d due %s: %w", f.CheckinID, f.DueAt.UTC().Format(time.RFC3339), err)
	}
	f.ID, f.Status = id, storage.FireOpen
	return nil
}

// GetCheckinFire returns one fire.
func (q *querier) GetCheckinFire(ctx context.Context, id int64) (storage.CheckinFire, error) {
	return queryOne(ctx, q.read, fmt.Sprintf("check-in fire %d", id), scanFire,
		`SELECT `+fireColumns+` FROM checkin_fires WHERE id = ?`, id)
}

// ListCheckinFires returns a check-in's fires in Seq order.
func (q *querier) ListCheckinFires(ctx context.Context, checkinID int64) ([]storage.CheckinFire, error) {
	return queryAll(ctx, q.read, fmt.Sprintf("list fires of check-in %d", checkinID), []storage.CheckinFire{}, scanFire,
		`SELECT `+fireColumns+` FROM checkin_fires WHERE checkin_id = ? ORDER BY seq, id`, checkinID)
}

// FinishCheckinFire moves a fire on; see storage.CheckinStore.
func (q *querier) FinishCheckinFire(ctx context.Context, id int64, o storage.FireOutcome) error {
	if err := storage.ValidFireOutcome(o); err != nil {
		return fmt.Errorf("finish check-in fire %d: %w", id, err)
	}
	var answeredAt any
	if o.Status == storage.FireAnswered {
		answeredAt = encTime(o.At)
	}
	err := q.write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, `UPDATE checkin_fires SET status = ?, answer = ?,
			answered_by_platform = ?, answered_by_id = ?, answered_by_name = ?,
			answered_at = ?, closed_at = COALESCE(closed_at, ?)
			WHERE id = ? AND (status = 'open' OR (status = 'superseded' AND ? <> 'superseded'))`,
			string(o.Status), o.Answer, o.By.Platform, o.By.ID, o.By.Name, answeredAt, encTime(o.At), id, string(o.Status))
		if err != nil || n == 1 {
			return err
		}
		var status string
		if err := w.tx.QueryRowContext(ctx, `SELECT status FROM checkin_fires WHERE id = ?`, id).Scan(&status); err != nil {
			return mapErr(err)
		}
		return fmt.Errorf("it is %s already: %w", status, storage.ErrConflict)
	})
	if err != nil {
		return fmt.Errorf("finish check-in fire %d: %w", id, err)
	}
	return nil
}
