package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// FireCheckin records f and saves c with c.OpenFireID = f.ID. SQLite runs
// in this process, so the two statements cost no round trip; they share
// the caller's write transaction (or one of their own).
func (q *querier) FireCheckin(ctx context.Context, c *storage.Checkin, f *storage.CheckinFire) error {
	f.CheckinID = c.ID
	var id int64
	err := q.write(ctx, func(w *querier) error {
		err := w.tx.QueryRowContext(ctx, `INSERT INTO checkin_fires
			(checkin_id, incident_id, seq, due_at, fired_at, late, escalation, status)
			VALUES (?,?,?,?,?,?,?,'open') ON CONFLICT (checkin_id, due_at) DO NOTHING RETURNING id`,
			c.ID, nullID(f.IncidentID), f.Seq, encTime(f.DueAt), encTime(f.FiredAt),
			boolInt(f.Late), f.Escalation).Scan(&id)
		if isForeignKey(err) {
			return fmt.Errorf("no such check-in: %w", storage.ErrNotFound)
		}
		if errors.Is(mapErr(err), storage.ErrNotFound) { // no row returned: the conflict was ignored
			return fmt.Errorf("fired already: %w", storage.ErrConflict)
		}
		if err != nil {
			return mapErr(err)
		}
		n, err := exec(ctx, w.tx, `UPDATE checkins SET spec = ?, active = ?, next_due_at = ?,
			unanswered = ?, escalation = ?, fired = ?, open_fire_id = ?, updated_at = ?
			WHERE id = ?`,
			c.Spec, boolInt(c.Active), encTime(c.NextDueAt), c.Unanswered, c.Escalation, c.Fired,
			id, encTime(c.UpdatedAt), c.ID)
		if err == nil && n == 0 {
			err = fmt.Errorf("no such check-in: %w", storage.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("fire check-in %d due %s: %w", c.ID, f.DueAt.UTC().Format(time.RFC3339), err)
	}
	f.ID, f.Status = id, storage.FireOpen
	c.OpenFireID = id
	return nil
}

// SupersedeCheckinFire supersedes fire id if it is open.
func (q *querier) SupersedeCheckinFire(ctx context.Context, id int64, at time.Time) (storage.CheckinFire, bool, error) {
	var (
		f          storage.CheckinFire
		superseded bool
	)
	err := q.write(ctx, func(w *querier) error {
		var err error
		f, err = scanFire(w.tx.QueryRowContext(ctx, `UPDATE checkin_fires SET status = 'superseded', closed_at = COALESCE(closed_at, ?)
			WHERE id = ? AND status = 'open' RETURNING `+fireColumns, encTime(at), id))
		if err == nil {
			superseded = true
			return nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		// Not open, or not there: read it to tell which.
		f, err = scanFire(w.tx.QueryRowContext(ctx, `SELECT `+fireColumns+` FROM checkin_fires WHERE id = ?`, id))
		return err
	})
	if err != nil {
		return f, false, fmt.Errorf("supersede check-in fire %d: %w", id, err)
	}
	return f, superseded, nil
}
