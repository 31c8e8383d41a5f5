package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

const outboxColumns = `id, platform, channel, kind, payload, incident_id, status, attempts,
	next_attempt_at, created_at, delivered_at, last_error`

func scanOutbox(r scanner) (storage.OutboxMessage, error) {
	var (
		m       storage.OutboxMessage
		payload string
		status  string
	)
	err := r.Scan(&m.ID, &m.Platform, &m.Channel, &m.Kind, &payload, &m.IncidentID, &status,
		&m.Attempts, timeCol(&m.NextAttemptAt), timeCol(&m.CreatedAt), timePtrCol(&m.DeliveredAt), &m.LastError)
	if err != nil {
		return m, mapErr(err)
	}
	m.Payload = []byte(payload)
	m.Status = storage.OutboxStatus(status)
	return m, nil
}

// EnqueueOutbox inserts msgs as pending; their Status, Attempts,
// DeliveredAt and LastError are ignored. The sender is woken once the
// transaction commits. With a handoff set (HandOffOutbox), a due message
// whose channel has nothing else pending is inserted claimed, and handed
// to the sender after the commit.
func (q *querier) EnqueueOutbox(ctx context.Context, msgs ...storage.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	err := q.write(ctx, func(w *querier) error {
		h := w.s.handoff.Load()
		var now time.Time
		if h != nil {
			now = h.now()
		}
		for _, m := range msgs {
			if m.Platform == "" || m.Channel == "" || m.Kind == "" {
				return fmt.Errorf("message needs a platform, a channel and a kind (got %q, %q, %q)",
					m.Platform, m.Channel, m.Kind)
			}
			payload := encPayload(m.Payload)
			if h == nil || m.NextAttemptAt.After(now) {
				w.enqueued = true
				_, err := w.tx.ExecContext(ctx, `INSERT INTO outbox (
					platform, channel, kind, payload, incident_id, status, attempts, next_attempt_at, created_at
				) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
					m.Platform, m.Channel, m.Kind, payload, m.IncidentID,
					encTime(m.NextAttemptAt), encTime(m.CreatedAt))
				if err != nil {
					return mapErr(err)
				}
				continue
			}
			// Claimed at once, as ClaimOutbox would claim it, when it is
			// its channel's head: nothing else of the channel is pending
			// (SQLite has one writer, so nothing can slip in between).
			var (
				id       int64
				attempts int
			)
			err := w.tx.QueryRowContext(ctx, `INSERT INTO outbox (
					platform, channel, kind, payload, incident_id, status, attempts, next_attempt_at, created_at, lease_until
				) SELECT ?1, ?2, ?3, ?4, ?5, 'pending', h.claim, ?6, ?7, CASE h.claim WHEN 1 THEN ?8 END
				FROM (SELECT NOT EXISTS (SELECT 1 FROM outbox
					WHERE platform = ?1 AND channel = ?2 AND status = 'pending') AS claim) AS h
				RETURNING id, attempts`,
				m.Platform, m.Channel, m.Kind, payload, m.IncidentID,
				encTime(m.NextAttemptAt), encTime(m.CreatedAt), encTime(now.Add(h.lease))).Scan(&id, &attempts)
			if err != nil {
				return mapErr(err)
			}
			if attempts == 1 {
				m.ID, m.Payload, m.Status, m.Attempts = id, []byte(payload), storage.OutboxPending, 1
				m.DeliveredAt, m.LastError = nil, ""
				w.handed = append(w.handed, m)
				w.handTo = h.take
			} else {
				w.enqueued = true
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("enqueue outbox: %w", err)
	}
	return nil
}

// handoff is what HandOffOutbox set.
type handoff struct {
	now   func() time.Time
	lease time.Duration
	take  func([]storage.OutboxMessage)
}

// HandOffOutbox implements storage.OutboxHandoff.
func (s *Store) HandOffOutbox(now func() time.Time, lease time.Duration, take func([]storage.OutboxMessage)) (stop func()) {
	h := &handoff{now: now, lease: lease, take: take}
	s.handoff.Store(h)
	return func() { s.handoff.CompareAndSwap(h, nil) }
}

// ClaimOutbox leases up to limit due messages, at most one per channel and
// only a channel's oldest pending one, and returns them in ID order.
//
// The limit is bound as CAST(? AS INTEGER), not as a bare LIMIT ?: SQLite
// (3.4x) reads a bare parameter's value while planning and marks the
// statement to be compiled again whenever a different value is bound, and
// the sender's limit (its free slots) changes from claim to claim, so the
// cached statement was re-prepared on most claims (5% of the server's CPU
// at 200 commands/s, BenchmarkClaimOutbox800Channels).
func (q *querier) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error) {
	at := encTime(now)
	out, err := claimRows(ctx, q, "claim outbox", limit, scanOutbox, `UPDATE outbox
		SET attempts = attempts + 1, lease_until = ?
		WHERE id IN (
			SELECT o.id FROM outbox AS o
			WHERE o.status = 'pending'
			  AND o.next_attempt_at <= ?
			  AND (o.lease_until IS NULL OR o.lease_until <= ?)
			  AND NOT EXISTS (
				SELECT 1 FROM outbox AS p
				WHERE p.platform = o.platform AND p.channel = o.channel
				  AND p.status = 'pending' AND p.id < o.id)
			ORDER BY o.id
			LIMIT CAST(? AS INTEGER))
		RETURNING `+outboxColumns,
		encTime(now.Add(lease)), at, at, limit)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b storage.OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// finishOutbox applies a status change to a pending message. A message that
// does not exist is ErrNotFound; one that is no longer pending (its lease
// ran out and another worker finished it) is ErrConflict, except when
// already is its status, which makes the call a no-op.
//
// write is q.write, or q.writeRiding for a change that need not commit on
// its own (a mark of delivery, see inTxRide).
func (q *querier) finishOutbox(ctx context.Context, write func(context.Context, func(*querier) error) error,
	op string, id int64, already storage.OutboxStatus, set string, args ...any) error {
	err := write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, finishOutboxSQL(set), append(args, id)...)
		if err != nil {
			return err
		}
		if n == 1 {
			return nil
		}
		var status string
		if err := w.tx.QueryRowContext(ctx, `SELECT status FROM outbox WHERE id = ?`, id).Scan(&status); err != nil {
			return mapErr(err)
		}
		if storage.OutboxStatus(status) == already {
			return nil
		}
		return fmt.Errorf("message is %s: %w", status, storage.ErrConflict)
	})
	if err != nil {
		return fmt.Errorf("%s outbox message %d: %w", op, id, err)
	}
	return nil
}

// finishOutboxSQL is the update of a pending message's status that sets
// set (placeholders before the ID's).
func finishOutboxSQL(set string) string {
	return `UPDATE outbox SET ` + set + `, lease_until = NULL WHERE id = ? AND status = 'pending'`
}

// markDeliveredSet is what marking a message delivered sets (delivered_at).
const markDeliveredSet = `status = 'delivered', delivered_at = ?`

// markDeliveredSQL marks one message delivered: the statement MarkDelivered
// runs, built once for MarkDeliveredMany's loop.
var markDeliveredSQL = finishOutboxSQL(markDeliveredSet)

// MarkDelivered records the delivery of a claimed message.
func (q *querier) MarkDelivered(ctx context.Context, id int64, at time.Time) error {
	return q.finishOutbox(ctx, q.writeRiding, "mark delivered", id, storage.OutboxDelivered,
		markDeliveredSet, encTime(at))
}

// MarkDeliveredMany records the delivery of claimed messages in one
// statement; the ids travel as one JSON array so that the statement's
// text, and its prepared program, is the same for any number of them.
// Marks ride another caller's batch when the writer is busy (see
// inTxRide), as MarkDelivered's do.
func (q *querier) MarkDeliveredMany(ctx context.Context, ids []int64, at time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	// One cached statement per ID rather than one over a list: a batch is
	// one or two messages, and SQLite runs "id IN (SELECT … json_each)"
	// through temporary b-trees it opens and closes each time (a pager
	// each), which cost more than the extra steps (docs/BENCHMARKS.md).
	var n int64
	when := encTime(at)
	err := q.writeRiding(ctx, func(w *querier) error {
		for _, id := range ids {
			k, err := exec(ctx, w.tx, markDeliveredSQL, when, id)
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("mark delivered: %w", err)
	}
	return int(n), nil
}

// RetryOutbox releases a claimed message to be tried again at next.
func (q *querier) RetryOutbox(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return q.finishOutbox(ctx, q.write, "retry", id, "",
		`next_attempt_at = ?, last_error = ?`, encTime(next), lastErr)
}

// DeferOutbox releases a claimed message that was not tried, undoing the
// claim's attempt.
func (q *querier) DeferOutbox(ctx context.Context, id int64, next time.Time) error {
	return q.finishOutbox(ctx, q.write, "defer", id, "",
		`next_attempt_at = ?, attempts = max(attempts - 1, 0)`, encTime(next))
}

// KillOutbox gives up on a message; the next one of its channel becomes due.
func (q *querier) KillOutbox(ctx context.Context, id int64, lastErr string) error {
	return q.finishOutbox(ctx, q.write, "kill", id, storage.OutboxDead,
		`status = 'dead', last_error = ?`, lastErr)
}

// GetOutbox loads one message; ErrNotFound if none.
func (q *querier) GetOutbox(ctx context.Context, id int64) (storage.OutboxMessage, error) {
	return queryOne(ctx, q.read, fmt.Sprintf("get outbox message %d", id), scanOutbox,
		`SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id)
}

// OutboxStats summarizes pending messages (leased ones included) per
// platform, in platform order.
func (q *querier) OutboxStats(ctx context.Context) ([]storage.OutboxStat, error) {
	return queryAll(ctx, q.read, "outbox stats", nil, scanOutboxStat,
		`SELECT platform, count(*), min(created_at) FROM outbox
		WHERE status = 'pending' GROUP BY platform ORDER BY platform`)
}

func scanOutboxStat(r scanner) (storage.OutboxStat, error) {
	var st storage.OutboxStat
	err := r.Scan(&st.Platform, &st.Pending, timeCol(&st.OldestPending))
	return st, mapErr(err)
}

// PruneOutbox deletes up to limit messages delivered before the given time,
// oldest first, and says how many.
func (q *querier) PruneOutbox(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	return q.execWrite(ctx, "prune delivered outbox messages", `DELETE FROM outbox WHERE id IN (
		SELECT id FROM outbox WHERE status = 'delivered' AND delivered_at < ? ORDER BY id LIMIT ?)`,
		encTime(before), limit)
}
