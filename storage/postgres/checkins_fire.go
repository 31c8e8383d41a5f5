package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// fireCheckinSQL records a fire and moves its check-in on in one round
// trip (a burst of 10,000 check-ins is bounded by round trips): the UPDATE
// sees the INSERT's RETURNING, and does nothing when the INSERT did nothing
// (ON CONFLICT: fired already, which must not abort the sweep's
// transaction).
const fireCheckinSQL = `WITH f AS (
	INSERT INTO checkin_fires (checkin_id, incident_id, seq, due_at, fired_at, late, escalation, status)
	VALUES ($1,$2,$3,$4,$5,$6,$7,'open') ON CONFLICT (checkin_id, due_at) DO NOTHING RETURNING id
), c AS (
	UPDATE checkins SET spec = $8, active = $9, next_due_at = $10, unanswered = $11, escalation = $12,
		fired = $13, open_fire_id = f.id, updated_at = $14
	FROM f WHERE checkins.id = $1 RETURNING checkins.id
)
SELECT (SELECT id FROM f), (SELECT id FROM c)`

// FireCheckin records f and saves c with c.OpenFireID = f.ID.
func (q querier) FireCheckin(ctx context.Context, c *storage.Checkin, f *storage.CheckinFire) error {
	what := fmt.Sprintf("fire check-in %d due %s", c.ID, f.DueAt.UTC().Format(time.RFC3339))
	f.CheckinID = c.ID
	var fireID, saved *int64
	err := q.db.QueryRow(ctx, fireCheckinSQL,
		c.ID, nullID(f.IncidentID), f.Seq, f.DueAt, f.FiredAt, f.Late, f.Escalation,
		c.Spec, c.Active, c.NextDueAt, c.Unanswered, c.Escalation, c.Fired, c.UpdatedAt).Scan(&fireID, &saved)
	if isForeignKey(err) {
		return fmt.Errorf("%s: no such check-in: %w", what, storage.ErrNotFound)
	}
	if err != nil {
		return mapErr(what, err)
	}
	if fireID == nil {
		return fmt.Errorf("%s: fired already: %w", what, storage.ErrConflict)
	}
	if saved == nil { // unreachable: the fire's foreign key needs the check-in
		return fmt.Errorf("%s: no such check-in: %w", what, storage.ErrNotFound)
	}
	f.ID, f.Status = *fireID, storage.FireOpen
	c.OpenFireID = f.ID
	return nil
}

// SupersedeCheckinFire supersedes fire id if it is open.
func (q querier) SupersedeCheckinFire(ctx context.Context, id int64, at time.Time) (storage.CheckinFire, bool, error) {
	what := fmt.Sprintf("supersede check-in fire %d", id)
	f, err := queryOne(ctx, q.db, what, scanFire, `UPDATE checkin_fires SET status = 'superseded', closed_at = COALESCE(closed_at, $2)
		WHERE id = $1 AND status = 'open' RETURNING `+fireCols, id, at)
	if err == nil {
		return f, true, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return f, false, err
	}
	// Not open, or not there: the rare path reads it to tell which.
	f, err = q.GetCheckinFire(ctx, id)
	return f, false, err
}
