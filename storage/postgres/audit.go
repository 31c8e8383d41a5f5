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
