package postgres

import (
	"context"

	"github.com/tourniquet/tourniquet/incident"
)

// GetIncidentByChannelForUpdate is GetIncidentByChannel that locks the
// incident's row (FOR UPDATE OF i, not the binding's) until the
// transaction ends.
func (q querier) GetIncidentByChannelForUpdate(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	return queryOne(ctx, q.db, "incident in channel "+ch.String(), scanIncident, `SELECT `+incidentCols+`
		FROM incidents i JOIN incident_channels b ON b.incident_id = i.id
		WHERE b.platform = $1 AND b.channel_id = $2 AND b.released_at IS NULL
		FOR UPDATE OF i`, ch.Platform, ch.ChannelID)
}
