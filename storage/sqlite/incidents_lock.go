package sqlite

import (
	"context"

	"github.com/tourniquet/tourniquet/incident"
)

// GetIncidentByChannelForUpdate is GetIncidentByChannel: SQLite has one
// writer, so the write transaction that reads it already excludes every
// other.
func (q *querier) GetIncidentByChannelForUpdate(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	return q.GetIncidentByChannel(ctx, ch)
}
