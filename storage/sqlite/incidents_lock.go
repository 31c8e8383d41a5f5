package sqlite

import (
	"context"

	"github.com/tourniquet/tourniquet/incident"
)

// GetIncidentByChannelForUpdate is GetIncidentByChannel: as for
// GetIncidentForUpdate, inside InTx the writer's BEGIN IMMEDIATE already
// keeps every other writer out until the transaction ends.
func (q *querier) GetIncidentByChannelForUpdate(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error) {
	return q.GetIncidentByChannel(ctx, ch)
}
