package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

var probeTests = []storeTest{
	{"RoundTrip", testProbeRoundTrip},
	{"ClaimDue", testProbeClaimDue},
	{"StaleUpdate", testProbeStaleUpdate},
	{"ConcurrentClaims", testProbeConcurrentClaims},
	{"SamplesBounded", testProbeSamples},
	{"NextDueMixesLeases", testProbeNextDueMixesLeases},
}

func newProbeState(incidentID int64, probe string, due time.Time) *storage.ProbeState {
	return &storage.ProbeState{IncidentID: incidentID, ProbeID: probe, Status: storage.ProbePending,
		StatusSince: at(0), NextDueAt: due, LeaseUntil: at(0), UpdatedAt: at(0)}
}

// testProbeRoundTrip: a state is created once, saved whole and read back.
func testProbeRoundTrip(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("probes", at(0)))
	ps := newProbeState(inc.ID, "checkout-errors", at(0))
	if err := s.EnsureProbeState(ctx, ps); err != nil || ps.ID == 0 {
		t.Fatalf("EnsureProbeState = %v, id %d", err, ps.ID)
	}
	again := newProbeState(inc.ID, "checkout-errors", at(time.Hour))
	again.Status = storage.ProbeClear
	if err := s.EnsureProbeState(ctx, again); err != nil || again.ID != ps.ID {
		t.Fatalf("EnsureProbeState again = %v, id %d, want the existing %d", err, again.ID, ps.ID)
	}
	if err := s.EnsureProbeState(ctx, newProbeState(inc.ID+100, "x", at(0))); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("EnsureProbeState of no incident = %v, want ErrNotFound", err)
	}

	ps.Status, ps.Value, ps.Message = storage.ProbeImpacting, ptr(0.382), "38.2%"
	ps.BreachSince, ps.EvaluatedAt = ptr(at(time.Minute)), ptr(at(2*time.Minute))
	ps.StatusSince, ps.NextDueAt, ps.UpdatedAt = at(2*time.Minute), at(150*time.Second), at(2*time.Minute)
	ps.Marks = map[string]time.Time{storage.MarkMitigation: at(3 * time.Minute), storage.MarkChallenged: at(4 * time.Minute)}
	if err := s.UpdateProbeState(ctx, ps); err != nil {
		t.Fatalf("UpdateProbeState: %v", err)
	}
	got, err := s.ListProbeStates(ctx, inc.ID)
	if err != nil || len(got) != 1 {
		t.Fatalf("ListProbeStates = %d, %v", len(got), err)
	}
	g := got[0]
	if g.ID != ps.ID || g.ProbeID != "checkout-errors" || g.Status != storage.ProbeImpacting || g.Value == nil || *g.Value != 0.382 ||
		g.Message != "38.2%" || !timePtrEq(g.BreachSince, ps.BreachSince) || !timePtrEq(g.EvaluatedAt, ps.EvaluatedAt) ||
		!g.StatusSince.Equal(ps.StatusSince) || !g.NextDueAt.Equal(ps.NextDueAt) || !g.UpdatedAt.Equal(ps.UpdatedAt) {
		t.Errorf("read back %+v, want %+v", g, *ps)
	}
	if len(g.Marks) != 2 || !g.Marks[storage.MarkChallenged].Equal(at(4*time.Minute)) {
		t.Errorf("marks = %v", g.Marks)
	}
	g.Value, g.BreachSince = nil, nil
	if err := s.UpdateProbeState(ctx, &g); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListProbeStates(ctx, inc.ID)
	if got[0].Value != nil || got[0].BreachSince != nil {
		t.Errorf("nil value/breach read back as %v/%v", got[0].Value, got[0].BreachSince)
	}
	missing := g
	missing.ID += 1000
	if err := s.UpdateProbeState(ctx, &missing); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdateProbeState(no such state) = %v, want ErrNotFound", err)
	}
}

// testProbeClaimDue: only due, unleased states of open incidents are
// claimed, earliest first, each lease bumping Claims; a leased one comes
// back once its lease has passed.
func testProbeClaimDue(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	if _, err := s.NextProbeDue(ctx); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("NextProbeDue(empty) = %v, want ErrNotFound", err)
	}
	open := mustCreate(t, s, newIncident("open", at(0)))
	closed := mustCreate(t, s, newIncident("closed", at(0)))
	if _, err := closed.Resolve(at(time.Minute), alice, "done"); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateIncident(ctx, closed); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*storage.ProbeState{
		newProbeState(open.ID, "late", at(2*time.Minute)),
		newProbeState(open.ID, "early", at(time.Minute)),
		newProbeState(open.ID, "future", at(time.Hour)),
		newProbeState(closed.ID, "resolved", at(0)),
	} {
		if err := s.EnsureProbeState(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if due, err := s.NextProbeDue(ctx); err != nil || !due.Equal(at(time.Minute)) {
		t.Errorf("NextProbeDue = %v, %v; want %v (the resolved incident's does not count)", due, err, at(time.Minute))
	}
	now, until := at(5*time.Minute), at(6*time.Minute)
	got, err := s.ClaimDueProbes(ctx, now, until, 10)
	if err != nil {
		t.Fatal(err)
	}
	if ids := each(got, func(p storage.ProbeState) string { return p.ProbeID }); len(ids) != 2 {
		t.Fatalf("claimed %v, want early and late", ids)
	}
	for _, p := range got {
		if p.Claims != 1 || !p.LeaseUntil.Equal(until) {
			t.Errorf("%s: claims %d lease %v, want 1 and %v", p.ProbeID, p.Claims, p.LeaseUntil, until)
		}
	}
	if again, _ := s.ClaimDueProbes(ctx, now, until, 10); len(again) != 0 {
		t.Errorf("claimed %d leased states again", len(again))
	}
	if due, _ := s.NextProbeDue(ctx); !due.Equal(until) {
		t.Errorf("NextProbeDue while leased = %v, want the lease end %v", due, until)
	}
	back, err := s.ClaimDueProbes(ctx, until, at(7*time.Minute), 1)
	if err != nil || len(back) != 1 || back[0].ProbeID != "early" || back[0].Claims != 2 {
		t.Errorf("after the lease: %v, %v; want early alone (limit 1), claims 2", each(back, func(p storage.ProbeState) string { return p.ProbeID }), err)
	}
	if none, err := s.ClaimDueProbes(ctx, until, until, 0); err != nil || len(none) != 0 {
		t.Errorf("limit 0 = %d, %v", len(none), err)
	}
}

// testProbeStaleUpdate: an evaluation saved after someone claimed the
// state again is refused with ErrConflict.
func testProbeStaleUpdate(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("stale", at(0)))
	if err := s.EnsureProbeState(ctx, newProbeState(inc.ID, "p", at(0))); err != nil {
		t.Fatal(err)
	}
	first, err := s.ClaimDueProbes(ctx, at(time.Minute), at(time.Minute), 1)
	if err != nil || len(first) != 1 {
		t.Fatalf("claim = %d, %v", len(first), err)
	}
	second, err := s.ClaimDueProbes(ctx, at(2*time.Minute), at(3*time.Minute), 1)
	if err != nil || len(second) != 1 {
		t.Fatalf("claim after the lease = %d, %v", len(second), err)
	}
	first[0].Status = storage.ProbeClear
	if err := s.UpdateProbeState(ctx, &first[0]); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("stale UpdateProbeState = %v, want ErrConflict", err)
	}
	second[0].Status = storage.ProbeImpacting
	if err := s.UpdateProbeState(ctx, &second[0]); err != nil {
		t.Errorf("current UpdateProbeState = %v", err)
	}
}

// testProbeConcurrentClaims: workers claiming at once never get the same
// state twice.
func testProbeConcurrentClaims(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("many", at(0)))
	const n = 40
	for i := range n {
		if err := s.EnsureProbeState(ctx, newProbeState(inc.ID, fmt.Sprintf("p%d", i), at(0))); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		wg   sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for {
				got, err := s.ClaimDueProbes(ctx, at(time.Minute), at(time.Hour), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, p := range got {
					seen[p.ProbeID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("claimed %d distinct states, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s claimed %d times", id, c)
		}
	}
}

// testProbeSamples: samples come back oldest first, per incident, and
// only the newest keep of each (incident, probe) stay.
func testProbeSamples(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", at(0)))
	b := mustCreate(t, s, newIncident("b", at(0)))
	for i := range 5 {
		v := float64(i) / 10
		if err := s.AddProbeSample(ctx, storage.ProbeSample{IncidentID: a.ID, ProbeID: "p", At: at(time.Duration(i) * time.Second),
			Value: &v, Status: storage.ProbeClear}, 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddProbeSample(ctx, storage.ProbeSample{IncidentID: a.ID, ProbeID: "q", At: at(0), Status: storage.ProbeUnknown}, 3); err != nil {
		t.Fatal(err)
	}
	if err := s.AddProbeSample(ctx, storage.ProbeSample{IncidentID: b.ID, ProbeID: "p", At: at(0), Status: storage.ProbeUnknown}, 3); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListProbeSamples(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var desc []string
	for _, x := range got {
		v := "nil"
		if x.Value != nil {
			v = fmt.Sprint(*x.Value)
		}
		desc = append(desc, fmt.Sprintf("%s@%s=%s/%s", x.ProbeID, x.At.Sub(base), v, x.Status))
	}
	want := "[q@0s=nil/unknown p@2s=0.2/clear p@3s=0.3/clear p@4s=0.4/clear]"
	if fmt.Sprint(desc) != want {
		t.Errorf("samples = %v, want %s", desc, want)
	}
	if err := s.AddProbeSample(ctx, storage.ProbeSample{IncidentID: a.ID + b.ID + 100, ProbeID: "p", At: at(0), Status: storage.ProbeClear}, 3); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("sample of no incident = %v, want ErrNotFound", err)
	}
}
