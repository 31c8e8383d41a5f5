package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

const alertGroupCols = `id, source, group_key, status, hash, payload::text, version, routed_version,
	COALESCE(incident_id, 0), decision, received_at, updated_at`

func scanAlertGroup(row pgx.Row) (storage.AlertGroup, error) {
	var (
		g       storage.AlertGroup
		payload string
	)
	err := row.Scan(&g.ID, &g.Source, &g.GroupKey, &g.Status, &g.Hash, &payload, &g.Version, &g.RoutedVersion,
		&g.IncidentID, &g.Decision, &g.ReceivedAt, &g.UpdatedAt)
	g.Payload = []byte(payload)
	g.ReceivedAt, g.UpdatedAt = g.ReceivedAt.UTC(), g.UpdatedAt.UTC()
	return g, err
}

// ReceiveAlertGroup upserts a delivery; the hash decides whether it is new.
func (q querier) ReceiveAlertGroup(ctx context.Context, g *storage.AlertGroup) (bool, error) {
	err := q.db.QueryRow(ctx, `INSERT INTO alert_groups (source, group_key, status, hash, payload, received_at, updated_at)
		VALUES ($1, $2, $3, $4, $5::jsonb, $6, $6)
		ON CONFLICT (source, group_key) DO UPDATE SET status = excluded.status, hash = excluded.hash,
			payload = excluded.payload, version = alert_groups.version + 1,
			received_at = excluded.received_at, updated_at = excluded.updated_at
		WHERE alert_groups.hash <> excluded.hash
		RETURNING id, version`,
		g.Source, g.GroupKey, g.Status, g.Hash, string(g.Payload), g.ReceivedAt).Scan(&g.ID, &g.Version)
	if err == nil {
		return true, nil
	}
	if !isNoRows(err) {
		return false, mapErr("receive alert group", err)
	}
	err = q.db.QueryRow(ctx, `SELECT id, version FROM alert_groups WHERE source = $1 AND group_key = $2`,
		g.Source, g.GroupKey).Scan(&g.ID, &g.Version)
	return false, mapErr("receive alert group", err)
}

// ClaimAlertGroups locks the groups waiting for routing; SKIP LOCKED keeps
// concurrent workers on different groups.
func (q querier) ClaimAlertGroups(ctx context.Context, limit int) ([]storage.AlertGroup, error) {
	return claimRows(ctx, q.db, "claim alert groups", limit, scanAlertGroup, `SELECT `+alertGroupCols+`
		FROM alert_groups WHERE version > routed_version
		ORDER BY updated_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
}

// GetAlertGroup loads (and, in a transaction, locks) a group.
func (q querier) GetAlertGroup(ctx context.Context, id int64) (storage.AlertGroup, error) {
	lock := ""
	if q.tx {
		lock = " FOR UPDATE"
	}
	return queryOne(ctx, q.db, fmt.Sprintf("get alert group %d", id), scanAlertGroup,
		`SELECT `+alertGroupCols+` FROM alert_groups WHERE id = $1`+lock, id)
}

// RouteAlertGroup saves the routing of a group.
func (q querier) RouteAlertGroup(ctx context.Context, g storage.AlertGroup) error {
	var inc any
	if g.IncidentID != 0 {
		inc = g.IncidentID
	}
	return execOne(ctx, q.db, fmt.Sprintf("route alert group %d", g.ID), `UPDATE alert_groups
		SET routed_version = $2, incident_id = $3, decision = $4, updated_at = $5 WHERE id = $1`,
		g.ID, g.RoutedVersion, inc, g.Decision, g.UpdatedAt)
}

// PutIncidentAlert upserts an incident's alert.
func (q querier) PutIncidentAlert(ctx context.Context, a storage.IncidentAlert) error {
	_, err := q.db.Exec(ctx, `INSERT INTO incident_alerts (incident_id, fingerprint, group_id, name, status, starts_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (incident_id, fingerprint) DO UPDATE SET group_id = excluded.group_id, name = excluded.name,
			status = excluded.status, starts_at = excluded.starts_at, updated_at = excluded.updated_at`,
		a.IncidentID, a.Fingerprint, a.GroupID, a.Name, a.Status, a.StartsAt, a.UpdatedAt)
	if isForeignKey(err) {
		return fmt.Errorf("put incident alert: no incident %d or group %d: %w", a.IncidentID, a.GroupID, storage.ErrNotFound)
	}
	return mapErr("put incident alert", err)
}

// ListIncidentAlerts returns an incident's alerts by fingerprint.
func (q querier) ListIncidentAlerts(ctx context.Context, incidentID int64) ([]storage.IncidentAlert, error) {
	return queryRows(ctx, q.db, "list incident alerts", nil, func(row pgx.Row) (storage.IncidentAlert, error) {
		var a storage.IncidentAlert
		err := row.Scan(&a.IncidentID, &a.Fingerprint, &a.GroupID, &a.Name, &a.Status, &a.StartsAt, &a.UpdatedAt)
		a.StartsAt, a.UpdatedAt = a.StartsAt.UTC(), a.UpdatedAt.UTC()
		return a, err
	}, `SELECT incident_id, fingerprint, group_id, name, status, starts_at, updated_at
		FROM incident_alerts WHERE incident_id = $1 ORDER BY fingerprint`, incidentID)
}
