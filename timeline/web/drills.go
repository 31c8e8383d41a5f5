package web

import (
	"context"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// DrillLister is what a store needs to tell drills apart
// (storage.ReadinessStore): the list marks them DRILL, the reports leave
// them out (docs/readiness.md).
type DrillLister interface {
	ListDrills(ctx context.Context) ([]storage.Drill, error)
}

// drillIDs are the incidents that are drills; none when the store keeps
// no drills.
func (w *Site) drillIDs(ctx context.Context) (map[int64]bool, error) {
	dl, ok := w.o.Store.(DrillLister)
	if !ok {
		return map[int64]bool{}, nil
	}
	ds, err := dl.ListDrills(ctx)
	if err != nil {
		return nil, err
	}
	return storage.DrillIncidents(ds), nil
}

// withoutDrills leaves the drills out of incs: a drill is a rehearsal,
// and the reports are about what hurt customers.
func (w *Site) withoutDrills(ctx context.Context, incs []*incident.Incident) ([]*incident.Incident, error) {
	drills, err := w.drillIDs(ctx)
	if err != nil || len(drills) == 0 {
		return incs, err
	}
	out := incs[:0:0]
	for _, inc := range incs {
		if !drills[inc.ID] {
			out = append(out, inc)
		}
	}
	return out, nil
}
