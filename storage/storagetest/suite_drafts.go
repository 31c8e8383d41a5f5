package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// draftTests is the conformance suite of storage.DraftStore.
var draftTests = []storeTest{
	{"RequestOnePending", testDraftRequestOnePending},
	{"ClaimAndFinish", testDraftClaimAndFinish},
	{"LeaseExpiryFencesTheFirstWorker", testDraftLeaseFencing},
	{"ConcurrentClaims", testDraftConcurrentClaims},
	{"RequestRollsBackWithTx", testDraftRollback},
}

func mustRequestDraft(t *testing.T, q storage.Querier, incID int64, reason string, at time.Time) (storage.Draft, bool) {
	t.Helper()
	d := storage.Draft{IncidentID: incID, Reason: reason, RequestedBy: alice, RequestedAt: at}
	ok, err := q.RequestDraft(ctxFor(t), &d)
	if err != nil {
		t.Fatalf("RequestDraft: %v", err)
	}
	return d, ok
}

func testDraftRequestOnePending(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	b := mustCreate(t, s, newIncident("b", base))
	d1, ok := mustRequestDraft(t, s, a.ID, "resolved", at(time.Minute))
	if !ok || d1.ID <= 0 || d1.Status != storage.DraftPending {
		t.Fatalf("first request: %v %+v", ok, d1)
	}
	if _, ok := mustRequestDraft(t, s, a.ID, "timeline", at(2*time.Minute)); ok {
		t.Error("a second request while one is pending was recorded")
	}
	if _, ok := mustRequestDraft(t, s, b.ID, "timeline", at(2*time.Minute)); !ok {
		t.Error("another incident's request was refused")
	}
	bad := storage.Draft{IncidentID: 999999, Reason: "resolved", RequestedAt: base}
	if _, err := s.RequestDraft(ctx, &bad); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("request for a missing incident: %v, want ErrNotFound", err)
	}
	got, err := s.ListDrafts(ctx, a.ID)
	if err != nil || len(got) != 1 {
		t.Fatalf("ListDrafts = %v, %v", got, err)
	}
	g := got[0]
	if g.ID != d1.ID || g.Reason != "resolved" || !g.RequestedBy.Same(alice) || g.RequestedBy.Name != alice.Name ||
		!g.RequestedAt.Equal(at(time.Minute)) || g.Status != storage.DraftPending || g.Attempts != 0 || g.LeaseUntil != nil || g.PostedAt != nil {
		t.Errorf("stored draft %+v", g)
	}

	// Once posted, a new request may be made.
	c, err := s.ClaimDraft(ctx, at(3*time.Minute), time.Minute)
	if err != nil || c.ID != d1.ID {
		t.Fatalf("claim: %+v %v", c, err)
	}
	if err := s.FinishDraft(ctx, c.ID, c.Attempts, at(4*time.Minute), "template", ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := mustRequestDraft(t, s, a.ID, "timeline", at(5*time.Minute)); !ok {
		t.Error("a request after the previous one was posted was refused")
	}
}

func testDraftClaimAndFinish(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	b := mustCreate(t, s, newIncident("b", base))
	da, _ := mustRequestDraft(t, s, a.ID, "resolved", at(time.Minute))
	db, _ := mustRequestDraft(t, s, b.ID, "timeline", at(2*time.Minute))

	c1, err := s.ClaimDraft(ctx, at(3*time.Minute), 30*time.Second)
	if err != nil || c1.ID != da.ID || c1.Attempts != 1 || c1.LeaseUntil == nil || !c1.LeaseUntil.Equal(at(3*time.Minute+30*time.Second)) {
		t.Fatalf("first claim: %+v %v; want the oldest, attempt 1, leased 30s", c1, err)
	}
	c2, err := s.ClaimDraft(ctx, at(3*time.Minute), 30*time.Second)
	if err != nil || c2.ID != db.ID {
		t.Fatalf("second claim: %+v %v; want the other request", c2, err)
	}
	if _, err := s.ClaimDraft(ctx, at(3*time.Minute), 30*time.Second); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("third claim: %v, want ErrNotFound (both leased)", err)
	}
	if err := s.FinishDraft(ctx, c1.ID, c1.Attempts, at(4*time.Minute), "model", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishDraft(ctx, c1.ID, c1.Attempts, at(5*time.Minute), "model", ""); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("finishing twice: %v, want ErrConflict", err)
	}
	if err := s.FinishDraft(ctx, 999999, 1, at(5*time.Minute), "model", ""); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("finishing a missing draft: %v, want ErrNotFound", err)
	}
	got, _ := s.ListDrafts(ctx, a.ID)
	if len(got) != 1 || got[0].Status != storage.DraftPosted || got[0].PostedAt == nil || !got[0].PostedAt.Equal(at(4*time.Minute)) ||
		got[0].Source != "model" || got[0].LeaseUntil != nil {
		t.Errorf("posted draft %+v", got)
	}
	// A posted request is never claimed again, even after its lease.
	c3, err := s.ClaimDraft(ctx, at(time.Hour), 30*time.Second)
	if err != nil || c3.ID != db.ID || c3.Attempts != 2 {
		t.Fatalf("claim after lease: %+v %v; want b's request again, attempt 2", c3, err)
	}
}

func testDraftLeaseFencing(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	mustRequestDraft(t, s, a.ID, "resolved", at(0))
	slow, err := s.ClaimDraft(ctx, at(time.Minute), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// The slow worker's lease runs out; another takes the request over.
	fast, err := s.ClaimDraft(ctx, at(3*time.Minute), time.Minute)
	if err != nil || fast.ID != slow.ID || fast.Attempts != slow.Attempts+1 {
		t.Fatalf("takeover: %+v %v", fast, err)
	}
	if err := s.FinishDraft(ctx, slow.ID, slow.Attempts, at(4*time.Minute), "model", ""); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("the worker whose lease ran out finished it: %v", err)
	}
	if err := s.FinishDraft(ctx, fast.ID, fast.Attempts, at(4*time.Minute), "fallback", "model timed out"); err != nil {
		t.Errorf("the current worker could not finish: %v", err)
	}
	got, _ := s.ListDrafts(ctx, a.ID)
	if len(got) != 1 || got[0].Source != "fallback" || got[0].LastError != "model timed out" {
		t.Errorf("%+v", got)
	}
}

func testDraftConcurrentClaims(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	const n = 6
	for i := range n {
		inc := mustCreate(t, s, newIncident("inc", at(time.Duration(i)*time.Second)))
		mustRequestDraft(t, s, inc.ID, "resolved", at(time.Minute))
	}
	var (
		mu     sync.Mutex
		seen   = map[int64]int{}
		wg     sync.WaitGroup
		claims = make(chan struct{}, 4*n)
	)
	for range 4 * n {
		claims <- struct{}{}
	}
	close(claims)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range claims {
				d, err := s.ClaimDraft(ctx, at(2*time.Minute), time.Hour)
				if errors.Is(err, storage.ErrNotFound) {
					continue
				}
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				mu.Lock()
				seen[d.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	checkClaimedOnce(t, n, "request", seen)
}

func testDraftRollback(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if _, ok := mustRequestDraft(t, q, a.ID, "resolved", at(0)); !ok {
			t.Error("not recorded in the transaction")
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got, _ := s.ListDrafts(ctx, a.ID); len(got) != 0 {
		t.Errorf("a rolled-back request survived: %+v", got)
	}
	if _, err := s.ClaimDraft(ctx, at(time.Minute), time.Minute); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("claim after rollback: %v", err)
	}
}
