package storagetest

import (
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// testProbeNextDueMixesLeases: NextProbeDue is the earliest time any state
// becomes claimable: a state leased past a later state's due time does not
// hide that one, and a lease that ends first wins over it.
func testProbeNextDueMixesLeases(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("leases", base))
	for _, p := range []*storage.ProbeState{
		newProbeState(inc.ID, "a", at(time.Minute)),
		newProbeState(inc.ID, "b", at(2*time.Minute)),
		newProbeState(inc.ID, "c", at(10*time.Minute)),
	} {
		if err := s.EnsureProbeState(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// a is leased until 0:05, past b's due time (0:02).
	if got, err := s.ClaimDueProbes(ctx, at(time.Minute), at(5*time.Minute), 1); err != nil || len(got) != 1 || got[0].ProbeID != "a" {
		t.Fatalf("claim a: %+v, %v", got, err)
	}
	if due, err := s.NextProbeDue(ctx); err != nil || !due.Equal(at(2*time.Minute)) {
		t.Errorf("NextProbeDue = %v, %v; want b's due time %v", due, err, at(2*time.Minute))
	}
	// b is leased until 0:08 too: a's lease ends first, before c is due.
	if got, err := s.ClaimDueProbes(ctx, at(2*time.Minute), at(8*time.Minute), 1); err != nil || len(got) != 1 || got[0].ProbeID != "b" {
		t.Fatalf("claim b: %+v, %v", got, err)
	}
	if due, err := s.NextProbeDue(ctx); err != nil || !due.Equal(at(5*time.Minute)) {
		t.Errorf("NextProbeDue = %v, %v; want a's lease end %v", due, err, at(5*time.Minute))
	}
}
