package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// changeTests is the conformance suite of storage.ChangeStore.
var changeTests = []storeTest{
	{"RoundTrip", testChangeRoundTrip},
	{"DedupeByExternalID", testChangeDedupe},
	{"ConcurrentRedeliveries", testChangeConcurrentDedupe},
	{"ListFilters", testChangeList},
	{"Prune", testChangePrune},
	{"RunLinks", testChangeRunLinks},
	{"RunLinkRollsBackWithTx", testChangeRunLinkRollback},
}

func newChange(svc, version string, shipped time.Time) incident.Change {
	return incident.Change{Service: svc, Kind: incident.ChangeDeploy, Version: version, PreviousVersion: "v1",
		By: "ana <@U123>", At: shipped, RecordedAt: shipped.Add(time.Second), Link: "https://ci.example/runs/1", Source: "api"}
}

func mustRecordChange(t *testing.T, q storage.Querier, c incident.Change) incident.Change {
	t.Helper()
	ok, err := q.RecordChange(ctxFor(t), &c)
	if err != nil || !ok || c.ID <= 0 {
		t.Fatalf("RecordChange = %v, %v (id %d)", ok, err, c.ID)
	}
	return c
}

func testChangeRoundTrip(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	want := incident.Change{Service: "checkout", Kind: incident.ChangeFlag, Flag: "new-checkout", Value: "on",
		Version: "v42", PreviousVersion: "v41", By: "ana", At: at(time.Minute), RecordedAt: at(2 * time.Minute),
		Link: "https://app.launchdarkly.com/x", Source: "launchdarkly", ExternalID: "evt-1"}
	got := mustRecordChange(t, s, want)
	want.ID = got.ID
	read, err := s.GetChange(ctx, got.ID)
	if err != nil {
		t.Fatalf("GetChange: %v", err)
	}
	if !read.At.Equal(want.At) || !read.RecordedAt.Equal(want.RecordedAt) {
		t.Errorf("times %v %v, want %v %v", read.At, read.RecordedAt, want.At, want.RecordedAt)
	}
	read.At, read.RecordedAt = want.At, want.RecordedAt
	if read != want {
		t.Errorf("stored change\n %+v\nwant\n %+v", read, want)
	}
	_, err = s.GetChange(ctx, got.ID+1000)
	isNotFound(t, "GetChange of a missing change", err)
}

func testChangeDedupe(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	c := newChange("checkout", "v42", at(0))
	c.ExternalID = "delivery-1"
	first := mustRecordChange(t, s, c)
	again := c
	again.Version = "v43" // a redelivery is the same change, whatever it says
	ok, err := s.RecordChange(ctx, &again)
	if err != nil || ok {
		t.Fatalf("redelivery: recorded %v, %v; want not recorded", ok, err)
	}
	if again.ID != first.ID || again.Version != "v42" {
		t.Errorf("redelivery returned %+v, want the stored change %d (v42)", again, first.ID)
	}
	other := c
	other.Source = "github" // another system's ID space
	mustRecordChange(t, s, other)
	// Changes without an external ID are never deduplicated.
	mustRecordChange(t, s, newChange("checkout", "v44", at(0)))
	mustRecordChange(t, s, newChange("checkout", "v44", at(0)))
	all, err := s.ListChanges(ctx, storage.ChangeFilter{})
	if err != nil || len(all) != 4 {
		t.Fatalf("ListChanges = %d changes, %v; want 4", len(all), err)
	}
}

func testChangeConcurrentDedupe(t *testing.T, s storage.Store) {
	c := newChange("checkout", "v42", at(0))
	c.ExternalID = "delivery-race"
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		inserted int
		ids      = map[int64]bool{}
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc := c
			err := s.InTx(context.Background(), func(ctx context.Context, q storage.Querier) error {
				ok, err := q.RecordChange(ctx, &cc)
				if ok {
					mu.Lock()
					inserted++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Errorf("RecordChange: %v", err)
				return
			}
			mu.Lock()
			ids[cc.ID] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if inserted != 1 || len(ids) != 1 {
		t.Errorf("8 concurrent deliveries: %d inserted, ids %v; want 1 and one id", inserted, ids)
	}
}

func testChangeList(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustRecordChange(t, s, newChange("checkout", "v1", at(0)))
	b := mustRecordChange(t, s, newChange("payments", "v2", at(10*time.Minute)))
	c := mustRecordChange(t, s, newChange("checkout", "v3", at(20*time.Minute)))
	d := mustRecordChange(t, s, newChange("search", "v4", at(30*time.Minute)))
	ids := func(cs []incident.Change) []int64 { return each(cs, func(c incident.Change) int64 { return c.ID }) }
	for _, tc := range []struct {
		name string
		f    storage.ChangeFilter
		want []int64
	}{
		{"all, newest first", storage.ChangeFilter{}, []int64{d.ID, c.ID, b.ID, a.ID}},
		{"services", storage.ChangeFilter{Services: []string{"checkout", "payments"}}, []int64{c.ID, b.ID, a.ID}},
		{"window", storage.ChangeFilter{From: at(10 * time.Minute), To: at(30 * time.Minute)}, []int64{c.ID, b.ID}},
		{"service and window", storage.ChangeFilter{Services: []string{"checkout"}, From: at(time.Minute)}, []int64{c.ID}},
		{"limit", storage.ChangeFilter{Limit: 2}, []int64{d.ID, c.ID}},
		{"nothing", storage.ChangeFilter{Services: []string{"nope"}}, nil},
	} {
		got, err := s.ListChanges(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := ids(got); len(g) != len(tc.want) || (len(g) > 0 && !equalIDs(g, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, g, tc.want)
		}
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testChangePrune(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	for i := range 5 {
		mustRecordChange(t, s, newChange("checkout", "v", at(time.Duration(i)*time.Hour)))
	}
	n, err := s.PruneChanges(ctx, at(3*time.Hour), 2)
	if err != nil || n != 2 {
		t.Fatalf("PruneChanges limit 2 = %d, %v", n, err)
	}
	n, err = s.PruneChanges(ctx, at(3*time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("PruneChanges again = %d, %v; want the third old one", n, err)
	}
	left, err := s.ListChanges(ctx, storage.ChangeFilter{})
	if err != nil || len(left) != 2 || !left[1].At.Equal(at(3*time.Hour)) {
		t.Fatalf("left %+v, %v; want the changes of hours 3 and 4", left, err)
	}
}

func testChangeRunLinks(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("a", base))
	run := mustCreateRun(t, s, newRun("run-1", inc, "rollback", at(time.Minute)))
	ch := mustRecordChange(t, s, newChange("checkout", "v42", at(-10*time.Minute)))
	link := storage.ChangeRun{RunID: run.ID, IncidentID: inc.ID, Change: ch,
		Params: map[string]string{"revision": "v41"}, CreatedAt: at(time.Minute)}
	if err := s.LinkChangeRun(ctx, link); err != nil {
		t.Fatalf("LinkChangeRun: %v", err)
	}
	isConflict(t, "linking a run twice", s.LinkChangeRun(ctx, link))
	missing := link
	missing.RunID = "no-such-run"
	isNotFound(t, "linking a missing run", s.LinkChangeRun(ctx, missing))

	// The link keeps its copy of the change after the change is pruned.
	if _, err := s.PruneChanges(ctx, at(0), 10); err != nil {
		t.Fatal(err)
	}
	got, err := s.ChangeRunOf(ctx, run.ID)
	if err != nil {
		t.Fatalf("ChangeRunOf: %v", err)
	}
	if got.Change.ID != ch.ID || got.Change.Version != "v42" || got.Change.By != ch.By || !got.Change.At.Equal(ch.At) ||
		got.Params["revision"] != "v41" || got.IncidentID != inc.ID || !got.CreatedAt.Equal(at(time.Minute)) {
		t.Errorf("link %+v", got)
	}
	_, err = s.ChangeRunOf(ctx, "run-2")
	isNotFound(t, "ChangeRunOf a run that undoes nothing", err)
	list, err := s.ListChangeRuns(ctx, inc.ID)
	if err != nil || len(list) != 1 || list[0].RunID != run.ID {
		t.Errorf("ListChangeRuns = %+v, %v", list, err)
	}
}

func testChangeRunLinkRollback(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("a", base))
	run := mustCreateRun(t, s, newRun("run-1", inc, "rollback", at(time.Minute)))
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		c := newChange("checkout", "v42", at(0))
		if _, err := q.RecordChange(ctx, &c); err != nil {
			return err
		}
		if err := q.LinkChangeRun(ctx, storage.ChangeRun{RunID: run.ID, IncidentID: inc.ID, Change: c, CreatedAt: at(0)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	_, err = s.ChangeRunOf(ctx, run.ID)
	isNotFound(t, "a link rolled back", err)
	if all, err := s.ListChanges(ctx, storage.ChangeFilter{}); err != nil || len(all) != 0 {
		t.Errorf("changes after rollback: %v, %v", all, err)
	}
}
