package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

// PutMessageRef inserts or replaces the reference stored under key.
func (q querier) PutMessageRef(ctx context.Context, key string, ref storage.MessageRef) error {
	_, err := q.db.Exec(ctx, `INSERT INTO message_refs (key, platform, channel_id, message_id)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET platform = EXCLUDED.platform,
			channel_id = EXCLUDED.channel_id, message_id = EXCLUDED.message_id`,
		key, ref.Platform, ref.ChannelID, ref.MessageID)
	return mapErr("put message ref "+key, err)
}

// GetMessageRef returns the reference under key.
func (q querier) GetMessageRef(ctx context.Context, key string) (storage.MessageRef, error) {
	var ref storage.MessageRef
	err := q.db.QueryRow(ctx, `SELECT platform, channel_id, message_id FROM message_refs WHERE key = $1`, key).
		Scan(&ref.Platform, &ref.ChannelID, &ref.MessageID)
	if err != nil {
		return storage.MessageRef{}, mapErr("message ref "+key, err)
	}
	return ref, nil
}

// ClaimDedupe records key until expiresAt, or returns ErrConflict when it
// is recorded and not expired at now. An expired key is claimed anew.
// Concurrent claims of one key wait for each other: exactly one wins.
func (q querier) ClaimDedupe(ctx context.Context, key string, now, expiresAt time.Time) error {
	var k string
	err := q.db.QueryRow(ctx, `INSERT INTO dedupe_keys (key, expires_at) VALUES ($1, $3)
		ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at
		WHERE dedupe_keys.expires_at <= $2
		RETURNING key`, key, now, expiresAt).Scan(&k)
	if isNoRows(err) {
		return fmt.Errorf("dedupe key %s: seen before: %w", key, storage.ErrConflict)
	}
	return mapErr("dedupe key "+key, err)
}

// PruneDedupe deletes keys expired at now and says how many.
func (q querier) PruneDedupe(ctx context.Context, now time.Time) (int, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM dedupe_keys WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, mapErr("prune dedupe keys", err)
	}
	return int(tag.RowsAffected()), nil
}

// AppendAudit inserts e and returns its ID.
func (q querier) AppendAudit(ctx context.Context, e storage.AuditEntry) (int64, error) {
	detail := e.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return 0, fmt.Errorf("append audit: detail: %w", err)
	}
	var id int64
	err = q.db.QueryRow(ctx, `INSERT INTO audit_log
		(at, incident_id, actor_platform, actor_id, actor_name, action, subject, step, outcome, detail, duration_ms)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`,
		e.At, e.IncidentID, e.Actor.Platform, e.Actor.ID, e.Actor.Name, e.Action, e.Subject, e.Step, e.Outcome,
		string(b), e.Duration.Milliseconds()).Scan(&id)
	if err != nil {
		return 0, mapErr("append audit", err)
	}
	return id, nil
}

// ListAudit returns rows matching f in ID order.
func (q querier) ListAudit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEntry, error) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, cond+strconv.Itoa(len(args)))
	}
	if f.IncidentID != 0 {
		add("incident_id = $", f.IncidentID)
	}
	if f.Subject != "" {
		add("subject = $", f.Subject)
	}
	if f.AfterID != 0 {
		add("id > $", f.AfterID)
	}
	sql := `SELECT id, at, incident_id, actor_platform, actor_id, actor_name, action, subject, step, outcome,
		detail, duration_ms FROM audit_log`
	if len(conds) > 0 {
		sql += " WHERE " + strings.Join(conds, " AND ")
	}
	sql += " ORDER BY id"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		sql += " LIMIT $" + strconv.Itoa(len(args))
	}
	return queryRows(ctx, q.db, "list audit", []storage.AuditEntry{}, scanAudit, sql, args...)
}

func scanAudit(row pgx.Row) (storage.AuditEntry, error) {
	var (
		e      storage.AuditEntry
		detail []byte
		ms     int64
	)
	if err := row.Scan(&e.ID, &e.At, &e.IncidentID, &e.Actor.Platform, &e.Actor.ID, &e.Actor.Name,
		&e.Action, &e.Subject, &e.Step, &e.Outcome, &detail, &ms); err != nil {
		return e, err
	}
	e.At = e.At.UTC()
	e.Duration = time.Duration(ms) * time.Millisecond
	if err := json.Unmarshal(detail, &e.Detail); err != nil {
		return e, fmt.Errorf("entry %d detail: %w", e.ID, err)
	}
	if len(e.Detail) == 0 {
		e.Detail = nil
	}
	return e, nil
}
