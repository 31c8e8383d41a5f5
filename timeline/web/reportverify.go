package web

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline"
)

// maxVerificationIncidents bounds how many incidents' timelines the
// report reads for the claimed-versus-verified gap (the newest mitigated
// ones), so that a long range stays quick.
const maxVerificationIncidents = 500

// verification reads the timelines of the mitigated incidents among incs
// (newest first, at most maxVerificationIncidents) and aggregates how
// often and how soon the probes verified what people claimed. capped says
// that some were left out.
func (w *Site) verification(ctx context.Context, incs []*incident.Incident) (v timeline.Verification, capped bool, err error) {
	now := w.o.Clock.Now()
	var xs []timeline.Export
	for _, inc := range incs { // ListIncidents gives them newest first
		if inc.MitigatedAt == nil {
			continue
		}
		if len(xs) == maxVerificationIncidents {
			capped = true
			break
		}
		evs, err := w.cache.Events(ctx, w.o.Store, inc.ID)
		if err != nil {
			return v, false, fmt.Errorf("load events of %s: %w", inc.Key, err)
		}
		xs = append(xs, timeline.Build(inc, evs, now))
	}
	return timeline.VerificationOf(xs), capped, nil
}

// Verified formats the claimed-versus-verified line of the report.
func (reportFmt) Verified(v timeline.Verification) string {
	if v.Watched == 0 {
		return "no probe watched a mitigated incident"
	}
	return fmt.Sprintf("%d of %d probe-watched mitigations verified", v.Verified, v.Watched)
}
