package storagetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// pageTests is the conformance suite of storage.PageStore.
var pageTests = []storeTest{
	{"OncePerStep", testPageOncePerStep},
	{"ClaimRetryFinish", testPageClaimRetryFinish},
	{"ExpiredLeaseIsUnknown", testPageExpiry},
	{"ConcurrentClaims", testPageConcurrentClaims},
}

func requestPage(t *testing.T, q storage.Querier, incID int64, step string, when time.Time) (storage.Page, bool) {
	t.Helper()
	p := storage.Page{IncidentID: incID, Step: step, Target: "oncall", Action: "trigger", Message: "checkout down",
		RequestedBy: alice, CreatedAt: when}
	ok, err := q.RequestPage(ctxFor(t), &p)
	if err != nil {
		t.Fatalf("RequestPage: %v", err)
	}
	return p, ok
}

func testPageOncePerStep(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	b := mustCreate(t, s, newIncident("b", base))
	p, ok := requestPage(t, s, a.ID, "declared", at(0))
	if !ok || p.ID <= 0 || p.Status != storage.PagePending {
		t.Fatalf("first page: %v %+v", ok, p)
	}
	if _, ok := requestPage(t, s, a.ID, "declared", at(time.Minute)); ok {
		t.Error("the same step was recorded twice")
	}
	if _, ok := requestPage(t, s, a.ID, "escalation", at(time.Minute)); !ok {
		t.Error("another step was refused")
	}
	if _, ok := requestPage(t, s, b.ID, "declared", at(time.Minute)); !ok {
		t.Error("another incident's page was refused")
	}
	bad := storage.Page{IncidentID: 999999, Step: "declared", Target: "x", Action: "trigger", CreatedAt: base}
	if _, err := s.RequestPage(ctx, &bad); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("page of a missing incident: %v", err)
	}
	got, err := s.ListPages(ctx, a.ID)
	if err != nil || len(got) != 2 {
		t.Fatalf("ListPages = %+v %v", got, err)
	}
	g := got[0]
	if g.ID != p.ID || g.Step != "declared" || g.Target != "oncall" || g.Action != "trigger" || g.Message != "checkout down" ||
		!g.RequestedBy.Same(alice) || g.RequestedBy.Name != alice.Name || g.Status != storage.PagePending || g.Attempts != 0 ||
		!g.CreatedAt.Equal(at(0)) || !g.NextAttemptAt.Equal(at(0)) || g.LeaseUntil != nil {
		t.Errorf("stored %+v", g)
	}
}

func testPageClaimRetryFinish(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	p, _ := requestPage(t, s, a.ID, "declared", at(0))
	c, err := s.ClaimPage(ctx, at(time.Second), time.Minute)
	if err != nil || c.ID != p.ID || c.Status != storage.PageSending || c.Attempts != 1 || c.LeaseUntil == nil ||
		!c.LeaseUntil.Equal(at(time.Second+time.Minute)) {
		t.Fatalf("claim = %+v, %v", c, err)
	}
	_, err = s.ClaimPage(ctx, at(2*time.Second), time.Minute)
	isNotFound(t, "a second claim while sending", err)
	// A retryable failure: pending again, not due before next.
	if err := s.FinishPage(ctx, c.ID, c.Attempts, storage.PagePending, at(time.Minute), "429", at(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = s.ClaimPage(ctx, at(30*time.Second), time.Minute)
	isNotFound(t, "a claim before the retry is due", err)
	c2, err := s.ClaimPage(ctx, at(time.Minute), time.Minute)
	if err != nil || c2.Attempts != 2 {
		t.Fatalf("retry claim = %+v, %v", c2, err)
	}
	isConflict(t, "finishing with a stale attempt", s.FinishPage(ctx, c2.ID, 1, storage.PageSent, at(time.Minute), "", at(time.Minute)))
	if err := s.FinishPage(ctx, c2.ID, 2, storage.PageSent, at(time.Minute), "", at(61*time.Second)); err != nil {
		t.Fatal(err)
	}
	isConflict(t, "finishing twice", s.FinishPage(ctx, c2.ID, 2, storage.PageFailed, at(time.Minute), "", at(time.Minute)))
	got, _ := s.ListPages(ctx, a.ID)
	if len(got) != 1 || got[0].Status != storage.PageSent || got[0].LastError != "" || got[0].LeaseUntil != nil ||
		!got[0].UpdatedAt.Equal(at(61*time.Second)) {
		t.Errorf("finished %+v", got)
	}
}

func testPageExpiry(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	requestPage(t, s, a.ID, "declared", at(0))
	c, err := s.ClaimPage(ctx, at(0), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if early, err := s.ExpirePages(ctx, at(30*time.Second)); err != nil || len(early) != 0 {
		t.Errorf("expired within the lease: %+v %v", early, err)
	}
	exp, err := s.ExpirePages(ctx, at(2*time.Minute))
	if err != nil || len(exp) != 1 || exp[0].ID != c.ID || exp[0].Status != storage.PageUnknown || exp[0].LastError == "" {
		t.Fatalf("expired = %+v, %v", exp, err)
	}
	_, err = s.ClaimPage(ctx, at(3*time.Minute), time.Minute)
	isNotFound(t, "claiming an unknown page", err)
	isConflict(t, "the stopped worker finishing late", s.FinishPage(ctx, c.ID, c.Attempts, storage.PageSent, at(0), "", at(3*time.Minute)))
}

func testPageConcurrentClaims(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	for _, title := range []string{"a", "b", "c"} {
		inc := mustCreate(t, s, newIncident(title, base))
		requestPage(t, s, inc.ID, "declared", at(0))
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for range 6 {
		wg.Go(func() {
			p, err := s.ClaimPage(ctx, at(time.Second), time.Minute)
			if errors.Is(err, storage.ErrNotFound) {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen[p.ID]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(seen) != 3 {
		t.Errorf("claimed %d pages, want 3", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("page %d claimed %d times", id, n)
		}
	}
}
