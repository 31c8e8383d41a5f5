package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// dbtx is what both *sql.DB and *sql.Tx offer.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// querier implements storage.Querier. With tx nil (the one embedded in
// Store) each method runs in a transaction of its own: writes on the writer,
// reads in a read-only transaction on the reader pool. With tx set (inside
// InTx) every method runs in tx.
type querier struct {
	s  *Store
	tx *sql.Tx
	// enqueued records that outbox messages were written in tx, so that the
	// sender is woken once tx commits.
	enqueued bool
}

var _ storage.Querier = (*querier)(nil)

// write runs fn in q's transaction, or in a new write transaction.
func (q *querier) write(ctx context.Context, fn func(w *querier) error) error {
	if q.tx != nil {
		return fn(q)
	}
	return q.s.inTx(ctx, fn)
}

// read runs fn in q's transaction, or in a read-only transaction on the
// reader pool, so that a read of several statements sees one snapshot.
func (q *querier) read(ctx context.Context, fn func(db dbtx) error) error {
	if q.tx != nil {
		return fn(q.tx)
	}
	tx, err := q.s.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", mapErr(err))
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

// rowsAffected is res.RowsAffected with the error mapped.
func rowsAffected(res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapErr(err)
	}
	return n, nil
}

// ---- incidents ----

const incidentColumns = `id, title, severity, impact, cause, state,
	lead_platform, lead_id, lead_name, declarer_platform, declarer_id, declarer_name,
	services, impact_started_at, declared_at, mitigated_at, diagnosed_at, resolved_at,
	cause_text, summary, windows, roles, private`

type scanner interface{ Scan(dest ...any) error }

func scanIncident(r scanner) (*incident.Incident, error) {
	var inc incident.Incident
	err := r.Scan(&inc.ID, &inc.Title, &inc.Severity, &inc.Impact, &inc.Cause, &inc.State,
		&inc.Lead.Platform, &inc.Lead.ID, &inc.Lead.Name,
		&inc.Declarer.Platform, &inc.Declarer.ID, &inc.Declarer.Name,
		textCol(&inc.Services, decServices), timeCol(&inc.ImpactStartedAt), timeCol(&inc.DeclaredAt),
		timePtrCol(&inc.MitigatedAt), timePtrCol(&inc.DiagnosedAt), timePtrCol(&inc.ResolvedAt),
		&inc.CauseText, &inc.Summary, textCol(&inc.Windows, decWindows), textCol(&inc.Roles, decRoles), &inc.Private)
	if err != nil {
		return nil, mapErr(err)
	}
	inc.Key = incident.KeyFor(inc.ID)
	return &inc, nil
}

// incidentArgs are the values of every column but id, in incidentColumns
// order.
func incidentArgs(inc *incident.Incident) ([]any, error) {
	services, err := encServices(inc.Services)
	if err != nil {
		return nil, err
	}
	windows, err := encWindows(inc.Windows)
	if err != nil {
		return nil, err
	}
	roles, err := storage.EncodeRoles(inc.Roles)
	if err != nil {
		return nil, err
	}
	return []any{
		inc.Title, string(inc.Severity), string(inc.Impact), string(inc.Cause), string(inc.State),
		inc.Lead.Platform, inc.Lead.ID, inc.Lead.Name,
		inc.Declarer.Platform, inc.Declarer.ID, inc.Declarer.Name,
		services, encTime(inc.ImpactStartedAt), encTime(inc.DeclaredAt),
		encTimePtr(inc.MitigatedAt), encTimePtr(inc.DiagnosedAt), encTimePtr(inc.ResolvedAt),
		inc.CauseText, inc.Summary, windows, string(roles), inc.Private,
	}, nil
}

// CreateIncident inserts inc, and binds the channels it lists, and sets its
// ID and Key.
func (q *querier) CreateIncident(ctx context.Context, inc *incident.Incident) error {
	if inc == nil {
		return errors.New("create incident: nil incident")
	}
	args, err := incidentArgs(inc)
	if err != nil {
		return fmt.Errorf("create incident: %w", err)
	}
	var id int64
	err = q.write(ctx, func(w *querier) error {
		err := w.tx.QueryRowContext(ctx, `INSERT INTO incidents (
			title, severity, impact, cause, state,
			lead_platform, lead_id, lead_name, declarer_platform, declarer_id, declarer_name,
			services, impact_started_at, declared_at, mitigated_at, diagnosed_at, resolved_at,
			cause_text, summary, windows, roles, private
		) VALUES (?,?,?,?,?, ?,?,?,?,?,?, ?,?,?,?,?,?, ?,?,?,?,?) RETURNING id`, args...).Scan(&id)
		if err != nil {
			return mapErr(err)
		}
		for _, ch := range inc.Channels {
			if err := w.bindChannel(ctx, id, ch, bindOwned); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create incident: %w", err)
	}
	inc.ID, inc.Key = id, incident.KeyFor(id)
	return nil
}

// GetIncident loads an incident with its channels; ErrNotFound if none.
func (q *querier) GetIncident(ctx context.Context, id int64) (*incident.Incident, error) {
	var inc *incident.Incident
	err := q.read(ctx, func(db dbtx) error {
		var err error
		inc, err = loadIncident(ctx, db, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get incident %d: %w", id, err)
	}
	return inc, nil
}

// GetIncidentForUpdate is GetIncident. Inside InTx the writer's BEGIN
// IMMEDIATE already keeps every other writer out until the transaction ends.
func (q *querier) GetIncidentForUpdate(ctx context.Context, id int64) (*incident.Incident, error) {
	return q.GetIncident(ctx, id)
}

// GetIncidentByKey accepts "INC-7" or "7"; a malformed key is ErrNotFound.
func (q *querier) GetIncidentByKey(ctx context.Context, key string) (*incident.Incident, error) {
	id, err := incident.ParseKey(key)
	if err != nil {
		return nil, fmt.Errorf("get incident: %w: %w", err, storage.ErrNotFound)
	}
	return q.GetIncident(ctx, id)
}

// GetIncidentByChannel finds the incident that holds ch (its binding is
// not released); ErrNotFound if none.
func (q *querier) GetIncidentByChannel(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	var inc *incident.Incident
	err := q.read(ctx, func(db dbtx) error {
		var err error
		inc, err = loadIncident(ctx, db, `SELECT `+incidentColumns+` FROM incidents
			WHERE id = (SELECT incident_id FROM incident_channels
				WHERE platform = ? AND channel_id = ? AND released_at IS NULL)`,
			ch.Platform, ch.ChannelID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get incident of channel %s: %w", ch, err)
	}
	return inc, nil
}

// loadIncident runs a one-row incident query and loads the channels.
func loadIncident(ctx context.Context, db dbtx, query string, args ...any) (*incident.Incident, error) {
	inc, err := scanIncident(db.QueryRowContext(ctx, query, args...))
	if err != nil {
		return nil, err
	}
	if err := loadChannels(ctx, db, []*incident.Incident{inc}); err != nil {
		return nil, err
	}
	return inc, nil
}

// loadChannels fills in the channels of incs, in the order they were bound.
func loadChannels(ctx context.Context, db dbtx, incs []*incident.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	byID := make(map[int64]*incident.Incident, len(incs))
	args := make([]any, 0, len(incs))
	for _, inc := range incs {
		byID[inc.ID] = inc
		args = append(args, inc.ID)
	}
	rows, err := db.QueryContext(ctx, `SELECT incident_id, platform, channel_id FROM incident_channels
		WHERE incident_id IN (`+placeholders(len(args))+`) ORDER BY rowid`, args...)
	if err != nil {
		return fmt.Errorf("load channels: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			ch incident.ChannelRef
		)
		if err := rows.Scan(&id, &ch.Platform, &ch.ChannelID); err != nil {
			return fmt.Errorf("load channels: %w", mapErr(err))
		}
		if inc := byID[id]; inc != nil {
			inc.Channels = append(inc.Channels, ch)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load channels: %w", mapErr(err))
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// UpdateIncident saves every field of inc except ID, Key and Channels;
// ErrNotFound if there is no such incident.
func (q *querier) UpdateIncident(ctx context.Context, inc *incident.Incident) error {
	if inc == nil {
		return errors.New("update incident: nil incident")
	}
	args, err := incidentArgs(inc)
	if err != nil {
		return fmt.Errorf("update incident %d: %w", inc.ID, err)
	}
	args = append(args, inc.ID)
	return q.updateOne(ctx, fmt.Sprintf("update incident %d", inc.ID), `UPDATE incidents SET
		title = ?, severity = ?, impact = ?, cause = ?, state = ?,
		lead_platform = ?, lead_id = ?, lead_name = ?,
		declarer_platform = ?, declarer_id = ?, declarer_name = ?,
		services = ?, impact_started_at = ?, declared_at = ?,
		mitigated_at = ?, diagnosed_at = ?, resolved_at = ?,
		cause_text = ?, summary = ?, windows = ?, roles = ?, private = ?
		WHERE id = ?`, args...)
}

// AddIncidentChannel binds ch, a channel the incident owns: a no-op if the
// incident has it already, ErrConflict if another incident holds it,
// ErrNotFound if the incident does not exist.
func (q *querier) AddIncidentChannel(ctx context.Context, incidentID int64, ch incident.ChannelRef) error {
	return q.bind(ctx, incidentID, ch, bindOwned)
}

// incidentWhere renders the filter of f as a WHERE clause (or "").
func incidentWhere(f storage.IncidentFilter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	if f.State != "" {
		conds = append(conds, "state = ?")
		args = append(args, string(f.State))
	}
	if f.Severity != "" {
		conds = append(conds, "severity = ?")
		args = append(args, string(f.Severity))
	}
	if f.HidePrivate {
		conds = append(conds, "private = 0")
	}
	if f.Service != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM json_each(incidents.services) AS s WHERE s.value = ?)")
		args = append(args, f.Service)
	}
	if !f.DeclaredFrom.IsZero() {
		conds = append(conds, "declared_at >= ?")
		args = append(args, encTime(f.DeclaredFrom))
	}
	if !f.DeclaredTo.IsZero() {
		conds = append(conds, "declared_at < ?")
		args = append(args, encTime(f.DeclaredTo))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListIncidents returns incidents matching f with their channels, most
// recently declared first.
func (q *querier) ListIncidents(ctx context.Context, f storage.IncidentFilter) ([]*incident.Incident, error) {
	where, args := incidentWhere(f)
	query := `SELECT ` + incidentColumns + ` FROM incidents` + where + ` ORDER BY declared_at DESC, id DESC`
	if f.Limit > 0 || f.Offset > 0 {
		limit := int64(-1)
		if f.Limit > 0 {
			limit = int64(f.Limit)
		}
		query += ` LIMIT ? OFFSET ?`
		args = append(args, limit, max(f.Offset, 0))
	}
	var out []*incident.Incident
	err := q.read(ctx, func(db dbtx) error {
		var err error
		if out, err = queryRows(ctx, db, nil, scanIncident, query, args...); err != nil {
			return err
		}
		return loadChannels(ctx, db, out)
	})
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	return out, nil
}

// CountIncidents counts incidents matching f, ignoring its paging.
func (q *querier) CountIncidents(ctx context.Context, f storage.IncidentFilter) (int, error) {
	where, args := incidentWhere(f)
	var n int
	err := q.read(ctx, func(db dbtx) error {
		return mapErr(db.QueryRowContext(ctx, `SELECT count(*) FROM incidents`+where, args...).Scan(&n))
	})
	if err != nil {
		return 0, fmt.Errorf("count incidents: %w", err)
	}
	return n, nil
}

// ---- events ----

// AppendEvents appends evs to an incident's timeline and returns them with
// ID, IncidentID and Seq set (and a nil Data as an empty map); ErrNotFound
// if the incident does not exist. The incident's row holds the last Seq;
// bumping it and inserting happen in one write transaction, so appends are
// serialized and Seq has no gaps.
func (q *querier) AppendEvents(ctx context.Context, incidentID int64, evs ...incident.Event) ([]incident.Event, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	out := slices.Clone(evs)
	data := make([]string, len(out))
	for i := range out {
		if out[i].Data == nil {
			out[i].Data = map[string]any{}
		}
		var err error
		if data[i], err = encJSONMap(out[i].Data); err != nil {
			return nil, fmt.Errorf("append events to incident %d: %w", incidentID, err)
		}
	}
	err := q.write(ctx, func(w *querier) error {
		var last int64
		err := w.tx.QueryRowContext(ctx, `UPDATE incidents SET event_seq = event_seq + ?
			WHERE id = ? RETURNING event_seq`, len(out), incidentID).Scan(&last)
		if err != nil {
			return mapErr(err)
		}
		first := last - int64(len(out)) + 1
		for i := range out {
			ev := &out[i]
			ev.IncidentID, ev.Seq = incidentID, first+int64(i)
			err := w.tx.QueryRowContext(ctx, `INSERT INTO events (
				incident_id, seq, at, kind, actor_platform, actor_id, actor_name, text, source, data
			) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id`,
				incidentID, ev.Seq, encTime(ev.At), string(ev.Kind),
				ev.Actor.Platform, ev.Actor.ID, ev.Actor.Name, ev.Text, string(ev.Source), data[i],
			).Scan(&ev.ID)
			if err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("append events to incident %d: %w", incidentID, err)
	}
	return out, nil
}

// ListEvents returns an incident's events with Seq > afterSeq in Seq order,
// at most limit of them (0: all).
func (q *querier) ListEvents(ctx context.Context, incidentID int64, afterSeq int64, limit int) ([]incident.Event, error) {
	lim := int64(-1)
	if limit > 0 {
		lim = int64(limit)
	}
	return queryAll(ctx, q.read, fmt.Sprintf("list events of incident %d", incidentID), nil, scanEvent,
		`SELECT id, incident_id, seq, at, kind, actor_platform, actor_id, actor_name, text, source, data
		FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		incidentID, afterSeq, lim)
}

func scanEvent(r scanner) (incident.Event, error) {
	var ev incident.Event
	err := r.Scan(&ev.ID, &ev.IncidentID, &ev.Seq, timeCol(&ev.At), &ev.Kind,
		&ev.Actor.Platform, &ev.Actor.ID, &ev.Actor.Name, &ev.Text, &ev.Source, textCol(&ev.Data, decJSONMap))
	return ev, mapErr(err)
}

// ---- outbox ----

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
// transaction commits.
func (q *querier) EnqueueOutbox(ctx context.Context, msgs ...storage.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	err := q.write(ctx, func(w *querier) error {
		for _, m := range msgs {
			if m.Platform == "" || m.Channel == "" || m.Kind == "" {
				return fmt.Errorf("message needs a platform, a channel and a kind (got %q, %q, %q)",
					m.Platform, m.Channel, m.Kind)
			}
			_, err := w.tx.ExecContext(ctx, `INSERT INTO outbox (
				platform, channel, kind, payload, incident_id, status, attempts, next_attempt_at, created_at
			) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
				m.Platform, m.Channel, m.Kind, encPayload(m.Payload), m.IncidentID,
				encTime(m.NextAttemptAt), encTime(m.CreatedAt))
			if err != nil {
				return mapErr(err)
			}
		}
		w.enqueued = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("enqueue outbox: %w", err)
	}
	return nil
}

// ClaimOutbox leases up to limit due messages, at most one per channel and
// only a channel's oldest pending one, and returns them in ID order.
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
			LIMIT ?)
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
func (q *querier) finishOutbox(ctx context.Context, op string, id int64, already storage.OutboxStatus, set string, args ...any) error {
	err := q.write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, `UPDATE outbox SET `+set+`, lease_until = NULL
			WHERE id = ? AND status = 'pending'`, append(args, id)...)
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

// MarkDelivered records the delivery of a claimed message.
func (q *querier) MarkDelivered(ctx context.Context, id int64, at time.Time) error {
	return q.finishOutbox(ctx, "mark delivered", id, storage.OutboxDelivered,
		`status = 'delivered', delivered_at = ?`, encTime(at))
}

// RetryOutbox releases a claimed message to be tried again at next.
func (q *querier) RetryOutbox(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return q.finishOutbox(ctx, "retry", id, "",
		`next_attempt_at = ?, last_error = ?`, encTime(next), lastErr)
}

// DeferOutbox releases a claimed message that was not tried, undoing the
// claim's attempt.
func (q *querier) DeferOutbox(ctx context.Context, id int64, next time.Time) error {
	return q.finishOutbox(ctx, "defer", id, "",
		`next_attempt_at = ?, attempts = max(attempts - 1, 0)`, encTime(next))
}

// KillOutbox gives up on a message; the next one of its channel becomes due.
func (q *querier) KillOutbox(ctx context.Context, id int64, lastErr string) error {
	return q.finishOutbox(ctx, "kill", id, storage.OutboxDead,
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

// ---- message refs ----

// PutMessageRef inserts or replaces the reference stored under key.
func (q *querier) PutMessageRef(ctx context.Context, key string, ref storage.MessageRef) error {
	err := q.write(ctx, func(w *querier) error {
		_, err := w.tx.ExecContext(ctx, `INSERT INTO message_refs (key, platform, channel_id, message_id)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET platform = excluded.platform,
				channel_id = excluded.channel_id, message_id = excluded.message_id`,
			key, ref.Platform, ref.ChannelID, ref.MessageID)
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("put message ref %q: %w", key, err)
	}
	return nil
}

// GetMessageRef returns the reference under key; ErrNotFound if none.
func (q *querier) GetMessageRef(ctx context.Context, key string) (storage.MessageRef, error) {
	var ref storage.MessageRef
	err := q.read(ctx, func(db dbtx) error {
		return mapErr(db.QueryRowContext(ctx, `SELECT platform, channel_id, message_id
			FROM message_refs WHERE key = ?`, key).Scan(&ref.Platform, &ref.ChannelID, &ref.MessageID))
	})
	if err != nil {
		return storage.MessageRef{}, fmt.Errorf("get message ref %q: %w", key, err)
	}
	return ref, nil
}

// ---- dedupe ----

// ClaimDedupe records key until expiresAt; ErrConflict when key is recorded
// and has not expired at now. An expired record is taken over.
func (q *querier) ClaimDedupe(ctx context.Context, key string, now, expiresAt time.Time) error {
	err := q.write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, `INSERT INTO dedupe_keys (key, expires_at) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
			WHERE dedupe_keys.expires_at <= ?`,
			key, encTime(expiresAt), encTime(now))
		if err != nil {
			return err
		}
		if n == 0 {
			return storage.ErrConflict
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("claim dedupe key %q: %w", key, err)
	}
	return nil
}

// ---- audit ----

// AppendAudit inserts e and returns its ID. Duration is kept to the
// millisecond.
func (q *querier) AppendAudit(ctx context.Context, e storage.AuditEntry) (int64, error) {
	detail, err := encJSONMap(e.Detail)
	if err != nil {
		return 0, fmt.Errorf("append audit: %w", err)
	}
	var id int64
	err = q.write(ctx, func(w *querier) error {
		return mapErr(w.tx.QueryRowContext(ctx, `INSERT INTO audit_log (
			at, incident_id, actor_platform, actor_id, actor_name,
			action, subject, step, outcome, detail, duration_ms
		) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			encTime(e.At), e.IncidentID, e.Actor.Platform, e.Actor.ID, e.Actor.Name,
			e.Action, e.Subject, e.Step, e.Outcome, detail, e.Duration.Milliseconds(),
		).Scan(&id))
	})
	if err != nil {
		return 0, fmt.Errorf("append audit: %w", err)
	}
	return id, nil
}

// ListAudit returns rows matching f in ID order.
func (q *querier) ListAudit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEntry, error) {
	var (
		conds = []string{"id > ?"}
		args  = []any{f.AfterID}
	)
	if f.IncidentID != 0 {
		conds = append(conds, "incident_id = ?")
		args = append(args, f.IncidentID)
	}
	if f.Subject != "" {
		conds = append(conds, "subject = ?")
		args = append(args, f.Subject)
	}
	lim := int64(-1)
	if f.Limit > 0 {
		lim = int64(f.Limit)
	}
	args = append(args, lim)
	return queryAll(ctx, q.read, "list audit", nil, scanAudit,
		`SELECT id, at, incident_id, actor_platform, actor_id, actor_name,
		action, subject, step, outcome, detail, duration_ms
		FROM audit_log WHERE `+strings.Join(conds, " AND ")+` ORDER BY id LIMIT ?`, args...)
}

func scanAudit(r scanner) (storage.AuditEntry, error) {
	var (
		e  storage.AuditEntry
		ms int64
	)
	err := r.Scan(&e.ID, timeCol(&e.At), &e.IncidentID, &e.Actor.Platform, &e.Actor.ID, &e.Actor.Name,
		&e.Action, &e.Subject, &e.Step, &e.Outcome, textCol(&e.Detail, decJSONMap), &ms)
	if err != nil {
		return e, mapErr(err)
	}
	e.Duration = time.Duration(ms) * time.Millisecond
	return e, nil
}
