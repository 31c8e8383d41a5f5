package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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

// enqueueSQL inserts a batch of messages, in the order given (the IDs,
// which order a channel's messages, follow WITH ORDINALITY), and notifies
// the senders of every replica, in one round trip: NOTIFY is delivered on
// commit, once per transaction whatever the number of messages.
const enqueueSQL = `WITH ins AS (
	INSERT INTO outbox (platform, channel, kind, payload, incident_id, status, attempts, next_attempt_at, created_at)
	SELECT t.platform, t.channel, t.kind, t.payload::json, t.incident_id, 'pending', 0, t.next_attempt_at, t.created_at
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[], $7::timestamptz[])
		WITH ORDINALITY AS t(platform, channel, kind, payload, incident_id, next_attempt_at, created_at, ord)
	ORDER BY t.ord
	RETURNING 1)
SELECT pg_notify($8, coalesce(current_schema(), '')) FROM (SELECT count(*) FROM ins) AS n`

// EnqueueOutbox inserts pending messages and, in the same transaction,
// notifies the senders of every replica (NOTIFY is delivered on commit),
// all in one statement, which in a transaction goes with the next
// statement or the commit (execLater). The payload is stored as JSON
// text, exactly as given; an empty one as JSON null.
func (q querier) EnqueueOutbox(ctx context.Context, msgs ...storage.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	n := len(msgs)
	var (
		platforms, channels, kinds, payloads = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		incidents                            = make([]int64, n)
		due, created                         = make([]time.Time, n), make([]time.Time, n)
	)
	for i, m := range msgs {
		if m.Platform == "" || m.Channel == "" || m.Kind == "" {
			return fmt.Errorf("enqueue outbox: message needs a platform, a channel and a kind (got %q, %q, %q)",
				m.Platform, m.Channel, m.Kind)
		}
		payloads[i] = string(m.Payload)
		if len(m.Payload) == 0 {
			payloads[i] = "null"
		}
		platforms[i], channels[i], kinds[i], incidents[i] = m.Platform, m.Channel, m.Kind, m.IncidentID
		due[i], created[i] = m.NextAttemptAt, m.CreatedAt
	}
	return q.execLater(ctx, fmt.Sprintf("enqueue %d outbox messages", n),
		enqueueSQL, platforms, channels, kinds, payloads, incidents, due, created, notifyChannel)
}

// claimSQL leases the due heads of channels. A message is a candidate only
// when no older message of its channel is pending: the head of a channel
// that another worker holds locked (or has leased) is still pending, so
// the second message of that channel is never a candidate, and SKIP LOCKED
// makes concurrent claimers pass over each other's rows instead of waiting.
// Under READ COMMITTED a row that changed since the snapshot is re-checked
// against the WHERE clause once locked, so a head leased meanwhile by a
// claimer that already committed is dropped too.
//
// The outer scan walks pending rows in ID order through the partial index
// outbox_pending_id_idx and the NOT EXISTS probe uses outbox_pending_idx,
// so the delivered history is never read. (A variant that first picked
// every channel's head with DISTINCT ON read all pending rows on each pass
// and measured slower under a backlog.)
const claimSQL = `WITH heads AS (
	SELECT o.id FROM outbox o
	WHERE o.status = 'pending'
	  AND o.next_attempt_at <= $1
	  AND (o.lease_until IS NULL OR o.lease_until <= $1)
	  AND NOT EXISTS (
		SELECT 1 FROM outbox p
		WHERE p.status = 'pending' AND p.platform = o.platform AND p.channel = o.channel AND p.id < o.id)
	ORDER BY o.id
	LIMIT $3
	FOR UPDATE SKIP LOCKED
)
UPDATE outbox SET attempts = outbox.attempts + 1, lease_until = $2
FROM heads WHERE outbox.id = heads.id
RETURNING ` + "outbox.id, outbox.platform, outbox.channel, outbox.kind, outbox.payload, outbox.incident_id, outbox.status, outbox.attempts, outbox.next_attempt_at, outbox.created_at, outbox.delivered_at, outbox.last_error"

// ClaimOutbox leases up to limit due messages, at most one per channel and
// only a channel's oldest pending one, until now+lease.
func (q querier) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error) {
	out, err := claimRows(ctx, q.db, "claim outbox", limit, scanOutbox, claimSQL, now, now.Add(lease), limit)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b storage.OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// outboxExec runs an update of pending message id. A message that does
// not exist is ErrNotFound; one that is no longer pending (its lease ran
// out and another worker finished it) is ErrConflict, except when already
// is its status, which makes the call a no-op (as in the SQLite store).
func (q querier) outboxExec(ctx context.Context, what string, id int64, already storage.OutboxStatus, sql string, args ...any) error {
	tag, err := q.db.Exec(ctx, sql, append([]any{id}, args...)...)
	what = fmt.Sprintf("%s outbox message %d", what, id)
	if err != nil {
		return mapErr(what, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var status string
	if err := q.db.QueryRow(ctx, `SELECT status FROM outbox WHERE id = $1`, id).Scan(&status); err != nil {
		return mapErr(what, err)
	}
	if storage.OutboxStatus(status) == already {
		return nil
	}
	return fmt.Errorf("%s: it is %s: %w", what, status, storage.ErrConflict)
}

// lazyCommit is a CTE that makes the transaction of the statement that
// joins it (FROM lazy) commit without waiting for its WAL to be flushed
// (synchronous_commit off, for this transaction only: at the commit of the
// statement's own transaction, outside an explicit one). Only marks of
// delivered messages commit so: one lost to a crash of the database server
// before the WAL writer flushed it (within wal_writer_delay) leaves its
// message claimed, and after the lease it is sent again as a retry,
// for which the adapters look for what the first try did, as after any
// lost mark. A mark was one of the three WAL flushes of a note. Inside a
// caller's transaction the setting lasts to its end, so the store's
// caller's transaction the setting would last to its end, committing the
// caller's other writes lazily too: there lazily joins a CTE that does
// nothing.
const lazyCommit = `WITH lazy AS (SELECT set_config('synchronous_commit', 'off', true))
	`

// lazily prefixes an update that joins FROM lazy with lazyCommit, or,
// in a caller's transaction, with a CTE of the same shape that leaves
// synchronous_commit alone.
func (q querier) lazily(update string) string {
	if q.tx {
		return `WITH lazy AS (SELECT 1) ` + update
	}
	return lazyCommit + update
}

// markDeliveredManySQL marks ids delivered (see lazily).
const markDeliveredManySQL = `UPDATE outbox
	SET status = 'delivered', delivered_at = $2, lease_until = NULL, last_error = ''
	FROM lazy WHERE id = ANY($1) AND status = 'pending'`

// MarkDelivered records the delivery of a claimed message.
func (q querier) MarkDelivered(ctx context.Context, id int64, at time.Time) error {
	return q.outboxExec(ctx, "mark delivered", id, storage.OutboxDelivered, q.lazily(`UPDATE outbox
		SET status = 'delivered', delivered_at = $2, lease_until = NULL, last_error = ''
		FROM lazy WHERE id = $1 AND status = 'pending'`), at)
}

// MarkDeliveredMany records the delivery of claimed messages in one
// statement.
func (q querier) MarkDeliveredMany(ctx context.Context, ids []int64, at time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := q.db.Exec(ctx, q.lazily(markDeliveredManySQL), ids, at)
	if err != nil {
		return 0, mapErr(fmt.Sprintf("mark %d outbox messages delivered", len(ids)), err)
	}
	return int(tag.RowsAffected()), nil
}

// RetryOutbox releases a claimed message to be tried again at next.
func (q querier) RetryOutbox(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return q.outboxExec(ctx, "retry", id, "", `UPDATE outbox
		SET next_attempt_at = $2, last_error = $3, lease_until = NULL
		WHERE id = $1 AND status = 'pending'`, next, lastErr)
}

// DeferOutbox releases a claimed message that was not tried, undoing the
// claim's attempt.
func (q querier) DeferOutbox(ctx context.Context, id int64, next time.Time) error {
	return q.outboxExec(ctx, "defer", id, "", `UPDATE outbox
		SET next_attempt_at = $2, attempts = GREATEST(attempts - 1, 0), lease_until = NULL
		WHERE id = $1 AND status = 'pending'`, next)
}

// KillOutbox gives up on a message; the next one of its channel becomes due.
func (q querier) KillOutbox(ctx context.Context, id int64, lastErr string) error {
	return q.outboxExec(ctx, "kill", id, storage.OutboxDead, `UPDATE outbox
		SET status = 'dead', last_error = $2, lease_until = NULL
		WHERE id = $1 AND status = 'pending'`, lastErr)
}

// GetOutbox loads one message.
func (q querier) GetOutbox(ctx context.Context, id int64) (storage.OutboxMessage, error) {
	return queryOne(ctx, q.db, fmt.Sprintf("outbox message %d", id), scanOutbox, `SELECT `+outboxCols+` FROM outbox WHERE id = $1`, id)
}

// OutboxStats summarizes pending messages per platform, by platform name.
func (q querier) OutboxStats(ctx context.Context) ([]storage.OutboxStat, error) {
	return queryRows(ctx, q.db, "outbox stats", []storage.OutboxStat{}, func(row pgx.Row) (storage.OutboxStat, error) {
		var st storage.OutboxStat
		err := row.Scan(&st.Platform, &st.Pending, &st.OldestPending)
		st.OldestPending = st.OldestPending.UTC()
		return st, err
	}, `SELECT platform, count(*), min(created_at) FROM outbox
		WHERE status = 'pending' GROUP BY platform ORDER BY platform`)
}

// PruneOutbox deletes up to limit messages delivered before the given time,
// oldest first, and says how many.
func (q querier) PruneOutbox(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	tag, err := q.db.Exec(ctx, `DELETE FROM outbox WHERE id IN (
		SELECT id FROM outbox WHERE status = 'delivered' AND delivered_at < $1 ORDER BY id LIMIT $2)`, before, limit)
	if err != nil {
		return 0, mapErr("prune delivered outbox messages", err)
	}
	return int(tag.RowsAffected()), nil
}
