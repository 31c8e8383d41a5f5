package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

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
