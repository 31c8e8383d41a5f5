package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tourniquet/tourniquet/storage"
)

const alertGroupCols = `id, source, group_key, status, hash, payload, version, routed_version,
	COALESCE(incident_id, 0), decision, received_at, updated_at`

func scanAlertGroup(r scanner) (storage.AlertGroup, error) {
	var (
		g       storage.AlertGroup
		payload string
	)
	err := r.Scan(&g.ID, &g.Source, &g.GroupKey, &g.Status, &g.Hash, &payload, &g.Version, &g.RoutedVersion,
		&g.IncidentID, &g.Decision, timeCol(&g.ReceivedAt), timeCol(&g.UpdatedAt))
	g.Payload = []byte(payload)
	return g, mapErr(err)
}

// ReceiveAlertGroup upserts a delivery; the hash decides whether it is new.
func (q *querier) ReceiveAlertGroup(ctx context.Context, g *storage.AlertGroup) (bool, error) {
	changed := true
	err := q.write(ctx, func(w *querier) error {
		err := w.tx.QueryRowContext(ctx, `INSERT INTO alert_groups (source, group_key, status, hash, payload, received_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (source, group_key) DO UPDATE SET status = excluded.status, hash = excluded.hash,
				payload = excluded.payload, version = alert_groups.version + 1,
				received_at = excluded.received_at, updated_at = excluded.updated_at
			WHERE alert_groups.hash <> excluded.hash
			RETURNING id, version`,
			g.Source, g.GroupKey, g.Status, g.Hash, string(g.Payload), encTime(g.ReceivedAt), encTime(g.ReceivedAt)).Scan(&g.ID, &g.Version)
		if !errors.Is(err, sql.ErrNoRows) {
			return mapErr(err)
		}
		changed = false
		return mapErr(w.tx.QueryRowContext(ctx, `SELECT id, version FROM alert_groups WHERE source = ? AND group_key = ?`,
			g.Source, g.GroupKey).Scan(&g.ID, &g.Version))
	})
	if err != nil {
		return false, fmt.Errorf("receive alert group: %w", err)
	}
	return changed, nil
}

// ClaimAlertGroups returns the groups waiting for routing. SQLite has one
// writer, so a claim inside InTx is exclusive until the transaction ends.
func (q *querier) ClaimAlertGroups(ctx context.Context, limit int) ([]storage.AlertGroup, error) {
	return claimRows(ctx, q, "claim alert groups", limit, scanAlertGroup, `SELECT `+alertGroupCols+`
		FROM alert_groups WHERE version > routed_version ORDER BY updated_at, id LIMIT ?`, limit)
}

// GetAlertGroup loads a group (the writer's transaction locks everything).
func (q *querier) GetAlertGroup(ctx context.Context, id int64) (storage.AlertGroup, error) {
	in := q.read
	if q.tx != nil {
		in = q.writeDB
	}
	return queryOne(ctx, in, fmt.Sprintf("get alert group %d", id), scanAlertGroup,
		`SELECT `+alertGroupCols+` FROM alert_groups WHERE id = ?`, id)
}

// RouteAlertGroup saves the routing of a group.
func (q *querier) RouteAlertGroup(ctx context.Context, g storage.AlertGroup) error {
	var inc any
	if g.IncidentID != 0 {
		inc = g.IncidentID
	}
	return q.updateOne(ctx, fmt.Sprintf("route alert group %d", g.ID), `UPDATE alert_groups
		SET routed_version = ?, incident_id = ?, decision = ?, updated_at = ? WHERE id = ?`,
		g.RoutedVersion, inc, g.Decision, encTime(g.UpdatedAt), g.ID)
}

// PutIncidentAlert upserts an incident's alert.
func (q *querier) PutIncidentAlert(ctx context.Context, a storage.IncidentAlert) error {
	err := q.write(ctx, func(w *querier) error {
		_, err := w.tx.ExecContext(ctx, `INSERT INTO incident_alerts
				(incident_id, fingerprint, group_id, name, status, starts_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (incident_id, fingerprint) DO UPDATE SET group_id = excluded.group_id, name = excluded.name,
				status = excluded.status, starts_at = excluded.starts_at, updated_at = excluded.updated_at`,
			a.IncidentID, a.Fingerprint, a.GroupID, a.Name, a.Status, encTime(a.StartsAt), encTime(a.UpdatedAt))
		if isForeignKey(err) {
			return fmt.Errorf("no incident %d or group %d: %w", a.IncidentID, a.GroupID, storage.ErrNotFound)
		}
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("put incident alert: %w", err)
	}
	return nil
}

// ListIncidentAlerts returns an incident's alerts by fingerprint.
func (q *querier) ListIncidentAlerts(ctx context.Context, incidentID int64) ([]storage.IncidentAlert, error) {
	return queryAll(ctx, q.read, "list incident alerts", nil, func(r scanner) (storage.IncidentAlert, error) {
		var a storage.IncidentAlert
		err := r.Scan(&a.IncidentID, &a.Fingerprint, &a.GroupID, &a.Name, &a.Status, timeCol(&a.StartsAt), timeCol(&a.UpdatedAt))
		return a, mapErr(err)
	}, `SELECT incident_id, fingerprint, group_id, name, status, starts_at, updated_at
		FROM incident_alerts WHERE incident_id = ? ORDER BY fingerprint`, incidentID)
}
