package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

const checkinCols = `c.id, c.key, c.kind, COALESCE(c.incident_id, 0), c.spec, c.active, c.next_due_at,
	c.unanswered, c.escalation, c.fired, c.open_fire_id, c.updated_at`

func scanCheckin(row pgx.Row) (storage.Checkin, error) {
	var (
		c    storage.Checkin
		kind string
	)
	err := row.Scan(&c.ID, &c.Key, &kind, &c.IncidentID, &c.Spec, &c.Active, &c.NextDueAt,
		&c.Unanswered, &c.Escalation, &c.Fired, &c.OpenFireID, &c.UpdatedAt)
	if err != nil {
		return c, err
	}
	c.Kind = storage.CheckinKind(kind)
	c.NextDueAt = c.NextDueAt.UTC()
	c.UpdatedAt = c.UpdatedAt.UTC()
	return c, nil
}

// nullID is id, or NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateCheckin inserts c and sets its ID; ErrConflict when its key exists.
func (q querier) CreateCheckin(ctx context.Context, c *storage.Checkin) error {
	// ON CONFLICT DO NOTHING: a clash is reported without aborting the
	// caller's transaction (several replicas may create the same one).
	err := q.db.QueryRow(ctx, `INSERT INTO checkins
		(key, kind, incident_id, spec, active, next_due_at, unanswered, escalation, fired, open_fire_id, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (key) DO NOTHING RETURNING id`,
		c.Key, string(c.Kind), nullID(c.IncidentID), c.Spec, c.Active, c.NextDueAt,
		c.Unanswered, c.Escalation, c.Fired, c.OpenFireID, c.UpdatedAt).Scan(&c.ID)
	if isNoRows(err) {
		return fmt.Errorf("create check-in %s: it exists: %w", c.Key, storage.ErrConflict)
	}
	if isForeignKey(err) {
		return fmt.Errorf("create check-in %s: no incident %d: %w", c.Key, c.IncidentID, storage.ErrNotFound)
	}
	return mapErr("create check-in "+c.Key, err)
}

// UpdateCheckin saves the schedule and counters of c.
func (q querier) UpdateCheckin(ctx context.Context, c *storage.Checkin) error {
	return execOne(ctx, q.db, fmt.Sprintf("update check-in %d", c.ID), `UPDATE checkins SET spec = $2, active = $3, next_due_at = $4,
		unanswered = $5, escalation = $6, fired = $7, open_fire_id = $8, updated_at = $9
		WHERE id = $1`,
		c.ID, c.Spec, c.Active, c.NextDueAt, c.Unanswered, c.Escalation, c.Fired, c.OpenFireID, c.UpdatedAt)
}

// ResetCheckinCounts clears the counts of an incident's active check-ins;
// in a transaction it goes with the next statement (execLater).
func (q querier) ResetCheckinCounts(ctx context.Context, incidentID int64, at time.Time) error {
	return q.execLater(ctx, fmt.Sprintf("reset check-in counts of incident %d", incidentID),
		`UPDATE checkins SET unanswered = 0, escalation = 0, updated_at = $2
		WHERE incident_id = $1 AND active AND (unanswered <> 0 OR escalation <> 0)`, incidentID, at)
}

// GetCheckin returns the check-in with key.
func (q querier) GetCheckin(ctx context.Context, key string) (storage.Checkin, error) {
	return queryOne(ctx, q.db, "check-in "+key, scanCheckin, `SELECT `+checkinCols+` FROM checkins c WHERE c.key = $1`, key)
}

// ListCheckins returns an incident's check-ins in ID order.
func (q querier) ListCheckins(ctx context.Context, incidentID int64) ([]storage.Checkin, error) {
	return queryRows(ctx, q.db, fmt.Sprintf("list check-ins of incident %d", incidentID), []storage.Checkin{}, scanCheckin,
		`SELECT `+checkinCols+` FROM checkins c WHERE c.incident_id = $1 ORDER BY c.id`, incidentID)
}

// claimDueSQL locks due check-ins and their incidents together. SKIP
// LOCKED passes over a row that any other transaction holds (a command on
// the incident, another replica's sweeper) instead of waiting, so sweepers
// never queue behind each other nor deadlock with commands, which lock the
// incident first. Under READ COMMITTED a row changed since the snapshot is
// re-checked once locked: a check-in that another replica fired (and moved
// on) or a command stopped meanwhile drops out.
const claimDueSQL = `SELECT ` + checkinCols + `
	FROM checkins c JOIN incidents i ON i.id = c.incident_id
	WHERE c.active AND c.next_due_at <= $1 AND i.state = 'open'
	ORDER BY c.next_due_at, c.id
	LIMIT $2
	FOR UPDATE OF c, i SKIP LOCKED`

// ClaimDueCheckins locks up to limit due check-ins of open incidents.
func (q querier) ClaimDueCheckins(ctx context.Context, now time.Time, limit int) ([]storage.Checkin, error) {
	return claimRows(ctx, q.db, "claim due check-ins", limit, scanCheckin, claimDueSQL, now, limit)
}

// ClaimDueCheckin locks the check-in with key if it is active and due.
func (q querier) ClaimDueCheckin(ctx context.Context, key string, now time.Time) (storage.Checkin, error) {
	return queryOne(ctx, q.db, "claim check-in "+key, scanCheckin, `SELECT `+checkinCols+` FROM checkins c
		WHERE c.key = $1 AND c.active AND c.next_due_at <= $2
		FOR UPDATE SKIP LOCKED`, key, now)
}

// NextCheckinDue returns the earliest due time of the claimable check-ins.
func (q querier) NextCheckinDue(ctx context.Context) (time.Time, error) {
	// The first qualifying row of checkins_due_idx, each incident looked up
	// by key (a nested loop that stops at once), not min() over a join of
	// every check-in with every incident: at 10,000 open incidents that
	// took 20–60 ms of the server's CPU after every sweep.
	var due *time.Time
	err := q.db.QueryRow(ctx, `SELECT c.next_due_at FROM checkins c
		LEFT JOIN incidents i ON i.id = c.incident_id
		WHERE c.active AND (c.incident_id IS NULL OR i.state = 'open')
		ORDER BY c.next_due_at LIMIT 1`).Scan(&due)
	if err != nil && !isNoRows(err) {
		return time.Time{}, mapErr("next check-in due", err)
	}
	if due == nil {
		return time.Time{}, fmt.Errorf("next check-in due: none is active: %w", storage.ErrNotFound)
	}
	return due.UTC(), nil
}

const fireCols = `id, checkin_id, COALESCE(incident_id, 0), seq, due_at, fired_at, late, escalation, status, answer,
	answered_by_platform, answered_by_id, answered_by_name, answered_at, closed_at`

func scanFire(row pgx.Row) (storage.CheckinFire, error) {
	var (
		f      storage.CheckinFire
		status string
	)
	err := row.Scan(&f.ID, &f.CheckinID, &f.IncidentID, &f.Seq, &f.DueAt, &f.FiredAt, &f.Late, &f.Escalation,
		&status, &f.Answer, &f.AnsweredBy.Platform, &f.AnsweredBy.ID, &f.AnsweredBy.Name, &f.AnsweredAt, &f.ClosedAt)
	if err != nil {
		return f, err
	}
	f.Status = storage.FireStatus(status)
	f.DueAt, f.FiredAt = f.DueAt.UTC(), f.FiredAt.UTC()
	f.AnsweredAt, f.ClosedAt = utcPtr(f.AnsweredAt), utcPtr(f.ClosedAt)
	return f, nil
}

// RecordCheckinFire inserts f as open; ErrConflict when the check-in fired
// for f.DueAt before.
func (q querier) RecordCheckinFire(ctx context.Context, f *storage.CheckinFire) error {
	what := fmt.Sprintf("record fire of check-in %d due %s", f.CheckinID, f.DueAt.UTC().Format(time.RFC3339))
	// ON CONFLICT DO NOTHING: "fired already" must not abort the caller's
	// transaction.
	err := q.db.QueryRow(ctx, `INSERT INTO checkin_fires
		(checkin_id, incident_id, seq, due_at, fired_at, late, escalation, status)
		VALUES ($1,$2,$3,$4,$5,$6,$7,'open') ON CONFLICT (checkin_id, due_at) DO NOTHING RETURNING id`,
		f.CheckinID, nullID(f.IncidentID), f.Seq, f.DueAt, f.FiredAt, f.Late, f.Escalation).Scan(&f.ID)
	if isNoRows(err) {
		return fmt.Errorf("%s: fired already: %w", what, storage.ErrConflict)
	}
	if err != nil {
		return mapErr(what, err)
	}
	f.Status = storage.FireOpen
	return nil
}

// GetCheckinFire returns one fire.
func (q querier) GetCheckinFire(ctx context.Context, id int64) (storage.CheckinFire, error) {
	return queryOne(ctx, q.db, fmt.Sprintf("check-in fire %d", id), scanFire,
		`SELECT `+fireCols+` FROM checkin_fires WHERE id = $1`, id)
}

// ListCheckinFires returns a check-in's fires in Seq order.
func (q querier) ListCheckinFires(ctx context.Context, checkinID int64) ([]storage.CheckinFire, error) {
	return queryRows(ctx, q.db, fmt.Sprintf("list fires of check-in %d", checkinID), []storage.CheckinFire{}, scanFire,
		`SELECT `+fireCols+` FROM checkin_fires WHERE checkin_id = $1 ORDER BY seq, id`, checkinID)
}

// FinishCheckinFire moves a fire on; see storage.CheckinStore.
func (q querier) FinishCheckinFire(ctx context.Context, id int64, o storage.FireOutcome) error {
	what := fmt.Sprintf("finish check-in fire %d", id)
	if err := storage.ValidFireOutcome(o); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var answeredAt any
	if o.Status == storage.FireAnswered {
		answeredAt = o.At
	}
	tag, err := q.db.Exec(ctx, `UPDATE checkin_fires SET status = $2, answer = $3,
		answered_by_platform = $4, answered_by_id = $5, answered_by_name = $6,
		answered_at = $7, closed_at = COALESCE(closed_at, $8)
		WHERE id = $1 AND (status = 'open' OR (status = 'superseded' AND $2 <> 'superseded'))`,
		id, string(o.Status), o.Answer, o.By.Platform, o.By.ID, o.By.Name, answeredAt, o.At)
	if err != nil {
		return mapErr(what, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var status string
	if err := q.db.QueryRow(ctx, `SELECT status FROM checkin_fires WHERE id = $1`, id).Scan(&status); err != nil {
		return mapErr(what, err)
	}
	return fmt.Errorf("%s: it is %s already: %w", what, status, storage.ErrConflict)
}
