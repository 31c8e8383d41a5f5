package checkin

import (
	"context"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// withoutDrills leaves the drills out of the digest's incidents: a drill
// is a rehearsal, not something that hurt customers (docs/readiness.md).
func withoutDrills(ctx context.Context, q storage.Querier, incs []*incident.Incident) ([]*incident.Incident, error) {
	ds, err := q.ListDrills(ctx)
	if err != nil || len(ds) == 0 {
		return incs, err
	}
	drill := storage.DrillIncidents(ds)
	out := incs[:0:0]
	for _, inc := range incs {
		if !drill[inc.ID] {
			out = append(out, inc)
		}
	}
	return out, nil
}
