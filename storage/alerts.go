package storage

import (
	"context"
	"time"
)

// AlertGroup is one group of alerts as a source last sent it (an
// Alertmanager group, a Grafana notification, a PagerDuty incident, a
// generic alert), keyed by its source and group key. Intake writes it
// before answering 2xx; a routing worker on any replica claims it when its
// content changed since it was last routed.
type AlertGroup struct {
	ID int64
	// Source is the intake it came through: "alertmanager", "grafana",
	// "pagerduty", "generic".
	Source   string
	GroupKey string
	// Status is "firing" or "resolved".
	Status string
	// Hash identifies the content of the last delivery: a retry or a
	// repeat with the same hash changes nothing.
	Hash string
	// Payload is the normalized group, as the alerts feature stores it
	// (JSON).
	Payload []byte
	// Version counts the content changes; RoutedVersion is the version
	// the routing worker last handled. The group waits for routing while
	// Version > RoutedVersion.
	Version       int64
	RoutedVersion int64
	// IncidentID is the incident the group was declared as or attached
	// to; 0 while none.
	IncidentID int64
	// Decision is what became of the group: "" (not yet routed),
	// "proposed", "declared", "attached", "ignored".
	Decision   string
	ReceivedAt time.Time
	UpdatedAt  time.Time
}

// IncidentAlert is one alert attached to an incident, by fingerprint.
type IncidentAlert struct {
	IncidentID  int64
	Fingerprint string
	GroupID     int64
	Name        string
	// Status is "firing" or "resolved".
	Status    string
	StartsAt  time.Time
	UpdatedAt time.Time
}

// AlertStore keeps received alert groups and the alerts attached to
// incidents.
type AlertStore interface {
	// ReceiveAlertGroup records a delivery of g (by Source and GroupKey).
	// A new group is inserted with Version 1; one whose stored Hash equals
	// g.Hash is left alone (a retry or a repeat) and false is returned;
	// otherwise its Status, Hash and Payload are replaced and its Version
	// incremented. g's ID and Version are set from the stored row.
	ReceiveAlertGroup(ctx context.Context, g *AlertGroup) (bool, error)
	// ClaimAlertGroups returns up to limit groups waiting for routing,
	// least recently updated first, locked until the transaction ends
	// (Postgres FOR UPDATE SKIP LOCKED): concurrent claims get different
	// groups.
	ClaimAlertGroups(ctx context.Context, limit int) ([]AlertGroup, error)
	// GetAlertGroup loads a group; ErrNotFound if none. Inside a
	// transaction the row is locked until it ends.
	GetAlertGroup(ctx context.Context, id int64) (AlertGroup, error)
	// RouteAlertGroup saves the routing of g: RoutedVersion, IncidentID,
	// Decision and UpdatedAt.
	RouteAlertGroup(ctx context.Context, g AlertGroup) error
	// PutIncidentAlert inserts or replaces an incident's alert (by
	// incident and fingerprint).
	PutIncidentAlert(ctx context.Context, a IncidentAlert) error
	// ListIncidentAlerts returns an incident's alerts, by fingerprint.
	ListIncidentAlerts(ctx context.Context, incidentID int64) ([]IncidentAlert, error)
}
