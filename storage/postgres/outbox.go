package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

const outboxCols = `id, platform, channel, kind, payload, incident_id, status, attempts,
	next_attempt_at, created_at, delivered_at, last_error`

func scanOutbox(row pgx.Row) (storage.OutboxMessage, error) {
	var (
		m       storage.OutboxMessage
		status  string
		payload []byte
	)
	err := row.Scan(&m.ID, &m.Platform, &m.Channel, &m.Kind, &payload, &m.IncidentID, &status, &m.Attempts,
		&m.NextAttemptAt, &m.CreatedAt, &m.DeliveredAt, &m.LastError)
	if err != nil {
		return m, err
	}
	m.Status = storage.OutboxStatus(status)
	if string(payload) != "null" {
		m.Payload = payload
	}
	m.NextAttemptAt = m.NextAttemptAt.UTC()
	m.CreatedAt = m.CreatedAt.UTC()
	m.DeliveredAt = utcPtr(m.DeliveredAt)
	return m, nil
}

// EnqueueOutbox inserts pending messages and, in the same transaction,
// notifies the senders of every replica (NOTIFY is delivered on commit).
// The payload is stored as JSON text, exactly as given; an empty one as
// JSON null.
func (q querier) EnqueueOutbox(ctx context.Context, msgs ...storage.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	return q.atomic(ctx, func(q querier) error {
		for _, m := range msgs {
			payload := string(m.Payload)
			if len(m.Payload) == 0 {
				payload = "null"
			}
			_, err := q.db.Exec(ctx, `INSERT INTO outbox
				(platform, channel, kind, payload, incident_id, status, attempts, next_attempt_at, created_at)
				VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)`,
				m.Platform, m.Channel, m.Kind, payload, m.IncidentID, m.NextAttemptAt, m.CreatedAt)
			if err != nil {
				return mapErr(fmt.Sprintf("enqueue %s message to %s:%s", m.Kind, m.Platform, m.Channel), err)
			}
		}
		if _, err := q.db.Exec(ctx, `SELECT pg_notify($1, coalesce(current_schema(), ''))`, notifyChannel); err != nil {
			return mapErr("notify outbox senders", err)
		}
		return nil
	})
}

// claimSQL leases the due heads of channels. The heads are found from the
// pending messages alone, through the partial index on pending rows: the
// delivered history, which only grows, is never scanned (a scan of the
// table in ID order would read every delivered row on every pass). A head
// that is not due, or is leased, keeps its channel waiting: the second
// message of a channel is never a candidate. SKIP LOCKED makes concurrent
// claimers pass over each other's rows instead of waiting; under READ
// COMMITTED a row that changed since the snapshot is re-checked against
// the conditions on o once locked, so a head leased or delivered meanwhile
// by a claimer that already committed is dropped.
const claimSQL = `WITH heads AS (
	SELECT DISTINCT ON (platform, channel) id FROM outbox
	WHERE status = 'pending'
	ORDER BY platform, channel, id
), due AS (
	SELECT o.id FROM outbox o JOIN heads h ON h.id = o.id
	WHERE o.status = 'pending'
	  AND o.next_attempt_at <= $1
	  AND (o.lease_until IS NULL OR o.lease_until <= $1)
	ORDER BY o.id
	LIMIT $3
	FOR UPDATE OF o SKIP LOCKED
)
UPDATE outbox SET attempts = outbox.attempts + 1, lease_until = $2
FROM due WHERE outbox.id = due.id
RETURNING ` + "outbox.id, outbox.platform, outbox.channel, outbox.kind, outbox.payload, outbox.incident_id, outbox.status, outbox.attempts, outbox.next_attempt_at, outbox.created_at, outbox.delivered_at, outbox.last_error"

// ClaimOutbox leases up to limit due messages, at most one per channel and
// only a channel's oldest pending one, until now+lease.
func (q querier) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error) {
	if limit <= 0 {
		return []storage.OutboxMessage{}, nil
	}
	rows, err := q.db.Query(ctx, claimSQL, now, now.Add(lease), limit)
	if err != nil {
		return nil, mapErr("claim outbox", err)
	}
	defer rows.Close()
	out := []storage.OutboxMessage{}
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, mapErr("claim outbox", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr("claim outbox", err)
	}
	slices.SortFunc(out, func(a, b storage.OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// outboxExec runs an update of message id; ErrNotFound when there is none.
func (q querier) outboxExec(ctx context.Context, what string, id int64, sql string, args ...any) error {
	tag, err := q.db.Exec(ctx, sql, append([]any{id}, args...)...)
	what = fmt.Sprintf("%s outbox message %d", what, id)
	if err != nil {
		return mapErr(what, err)
	}
	if tag.RowsAffected() == 0 {
		// Only pending messages change. Tell a missing message from one
		// that another worker finished meanwhile (its lease had run out).
		var status string
		err := q.db.QueryRow(ctx, `SELECT status FROM outbox WHERE id = $1`, id).Scan(&status)
		switch {
		case err != nil:
			return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
		case strings.HasPrefix(what, "mark delivered") && status == string(storage.OutboxDelivered):
			return nil // delivered twice is still delivered
		default:
			return fmt.Errorf("%s: it is %s: %w", what, status, storage.ErrConflict)
		}
	}
	return nil
}

// MarkDelivered records the delivery of a claimed message.
func (q querier) MarkDelivered(ctx context.Context, id int64, at time.Time) error {
	return q.outboxExec(ctx, "mark delivered", id, `UPDATE outbox
		SET status = 'delivered', delivered_at = $2, lease_until = NULL, last_error = ''
		WHERE id = $1 AND status = 'pending'`, at)
}

// RetryOutbox releases a claimed message to be tried again at next.
func (q querier) RetryOutbox(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return q.outboxExec(ctx, "retry", id, `UPDATE outbox
		SET next_attempt_at = $2, last_error = $3, lease_until = NULL
		WHERE id = $1 AND status = 'pending'`, next, lastErr)
}

// KillOutbox gives up on a message; the next one of its channel becomes due.
func (q querier) KillOutbox(ctx context.Context, id int64, lastErr string) error {
	return q.outboxExec(ctx, "kill", id, `UPDATE outbox
		SET status = 'dead', last_error = $2, lease_until = NULL
		WHERE id = $1 AND status = 'pending'`, lastErr)
}

// GetOutbox loads one message.
func (q querier) GetOutbox(ctx context.Context, id int64) (storage.OutboxMessage, error) {
	m, err := scanOutbox(q.db.QueryRow(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = $1`, id))
	if err != nil {
		return storage.OutboxMessage{}, mapErr(fmt.Sprintf("outbox message %d", id), err)
	}
	return m, nil
}

// OutboxStats summarizes pending messages per platform, by platform name.
func (q querier) OutboxStats(ctx context.Context) ([]storage.OutboxStat, error) {
	rows, err := q.db.Query(ctx, `SELECT platform, count(*), min(created_at) FROM outbox
		WHERE status = 'pending' GROUP BY platform ORDER BY platform`)
	if err != nil {
		return nil, mapErr("outbox stats", err)
	}
	defer rows.Close()
	out := []storage.OutboxStat{}
	for rows.Next() {
		var st storage.OutboxStat
		if err := rows.Scan(&st.Platform, &st.Pending, &st.OldestPending); err != nil {
			return nil, mapErr("outbox stats", err)
		}
		st.OldestPending = st.OldestPending.UTC()
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr("outbox stats", err)
	}
	return out, nil
}
