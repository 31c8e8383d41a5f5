package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// followUpTests is the conformance suite of storage.FollowUpStore.
var followUpTests = []storeTest{
	{"AddAndList", testFollowUpAddList},
	{"TicketOnceAndFenced", testFollowUpTicketOnce},
	{"RunOutClaimBecomesUnknown", testFollowUpRunOutUnknown},
	{"ConcurrentClaims", testFollowUpConcurrentClaims},
	{"StatePolling", testFollowUpStatePolling},
}

func mustAddFollowUp(t *testing.T, q storage.Querier, incID int64, text string, status storage.TicketStatus, d time.Duration) storage.FollowUp {
	t.Helper()
	f := storage.FollowUp{IncidentID: incID, Text: text, Owner: bob, CreatedBy: alice, CreatedAt: at(d), TicketStatus: status}
	if status == storage.TicketPending {
		f.Tracker = "jira"
	}
	if err := q.AddFollowUp(ctxFor(t), &f); err != nil {
		t.Fatalf("AddFollowUp: %v", err)
	}
	return f
}

func testFollowUpAddList(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	b := mustCreate(t, s, newIncident("b", base))
	f1 := mustAddFollowUp(t, s, a.ID, "alert on queue depth", storage.TicketNone, time.Minute)
	mustAddFollowUp(t, s, b.ID, "other incident", storage.TicketNone, time.Minute)
	f2 := mustAddFollowUp(t, s, a.ID, "runbook for the flag", storage.TicketPending, 2*time.Minute)
	if f1.ID <= 0 || f2.ID <= f1.ID {
		t.Fatalf("ids %d %d", f1.ID, f2.ID)
	}
	got, err := s.ListFollowUps(ctx, a.ID)
	if err != nil || len(got) != 2 {
		t.Fatalf("list: %d %v", len(got), err)
	}
	g := got[0]
	if g.Text != "alert on queue depth" || !g.Owner.Same(bob) || g.Owner.Name != "Bob" || !g.CreatedBy.Same(alice) ||
		!timeEq(g.CreatedAt, at(time.Minute)) || g.TicketStatus != storage.TicketNone || g.Tracker != "" {
		t.Errorf("first: %+v", g)
	}
	if got[1].TicketStatus != storage.TicketPending || got[1].Tracker != "jira" {
		t.Errorf("second: %+v", got[1])
	}
	if err := s.AddFollowUp(ctx, &storage.FollowUp{IncidentID: 9999, Text: "x", CreatedAt: base}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("follow-up of no incident: %v", err)
	}
	// Requesting tickets takes those without one, once.
	n, err := s.RequestTickets(ctx, a.ID, "github")
	if err != nil || n != 1 {
		t.Fatalf("request tickets: %d %v, want 1", n, err)
	}
	if n, _ := s.RequestTickets(ctx, a.ID, "github"); n != 0 {
		t.Errorf("second request: %d, want 0", n)
	}
	got, _ = s.ListFollowUps(ctx, a.ID)
	if got[0].TicketStatus != storage.TicketPending || got[0].Tracker != "github" || got[1].Tracker != "jira" {
		t.Errorf("after request: %+v / %+v", got[0], got[1])
	}
	// Added in a transaction that rolls back: gone.
	boom := errors.New("boom")
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		mustAddFollowUp(t, q, b.ID, "rolled back", storage.TicketNone, time.Minute)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got, _ := s.ListFollowUps(ctx, b.ID); len(got) != 1 {
		t.Errorf("rolled-back follow-up kept: %d", len(got))
	}
}

func testFollowUpTicketOnce(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	mustAddFollowUp(t, s, a.ID, "no ticket", storage.TicketNone, 0)
	f := mustAddFollowUp(t, s, a.ID, "ticket", storage.TicketPending, time.Minute)
	c, expired, err := s.ClaimTicket(ctx, at(2*time.Minute), time.Minute)
	if err != nil || len(expired) != 0 || c.ID != f.ID || c.TicketStatus != storage.TicketCreating || c.Attempts != 1 {
		t.Fatalf("claim: %+v %v %v", c, expired, err)
	}
	if _, _, err := s.ClaimTicket(ctx, at(2*time.Minute), time.Minute); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("second claim while leased: %v, want not found", err)
	}
	// A 429: back to pending, claimed again with the next attempt; the
	// first attempt's outcome is then refused.
	if err := s.RetryTicket(ctx, c.ID, c.Attempts, at(5*time.Minute), "rate limited"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ClaimTicket(ctx, at(4*time.Minute), time.Minute); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("claim before the retry time: %v, want not found", err)
	}
	c2, _, err := s.ClaimTicket(ctx, at(5*time.Minute), time.Minute)
	if err != nil || c2.ID != f.ID || c2.Attempts != 2 || c2.LastError != "rate limited" {
		t.Fatalf("reclaim: %+v %v", c2, err)
	}
	if err := s.FinishTicket(ctx, f.ID, 1, storage.TicketOutcome{Status: storage.TicketCreated, Key: "OPS-1"}); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("stale finish: %v, want conflict", err)
	}
	out := storage.TicketOutcome{Status: storage.TicketCreated, Key: "OPS-7", URL: "https://jira.example.com/browse/OPS-7"}
	if err := s.FinishTicket(ctx, f.ID, 2, out); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishTicket(ctx, f.ID, 2, out); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("finishing twice: %v, want conflict", err)
	}
	if err := s.FinishTicket(ctx, 99999, 1, out); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("finish of no row: %v, want not found", err)
	}
	got, _ := s.ListFollowUps(ctx, a.ID)
	if g := got[1]; g.TicketStatus != storage.TicketCreated || g.TicketKey != "OPS-7" || g.TicketURL != out.URL ||
		g.TicketState != storage.TicketOpen || g.LeaseUntil != nil {
		t.Errorf("created: %+v", g)
	}
	// Nothing more to claim: a created ticket is never claimed again.
	if _, _, err := s.ClaimTicket(ctx, at(time.Hour), time.Minute); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("claim after creation: %v", err)
	}
}

func testFollowUpRunOutUnknown(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	f := mustAddFollowUp(t, s, a.ID, "ticket", storage.TicketPending, 0)
	c, _, err := s.ClaimTicket(ctx, at(time.Minute), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// The worker died; after the lease the row is unknown, never pending.
	_, expired, err := s.ClaimTicket(ctx, at(3*time.Minute), time.Minute)
	if !errors.Is(err, storage.ErrNotFound) || len(expired) != 1 || expired[0].ID != f.ID || expired[0].TicketStatus != storage.TicketUnknown {
		t.Fatalf("after the lease: %+v %v", expired, err)
	}
	if err := s.FinishTicket(ctx, f.ID, c.Attempts, storage.TicketOutcome{Status: storage.TicketCreated}); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("the dead worker's late finish: %v, want conflict", err)
	}
	if _, expired, _ := s.ClaimTicket(ctx, at(time.Hour), time.Minute); len(expired) != 0 {
		t.Errorf("reported as expired twice: %+v", expired)
	}
}

func testFollowUpConcurrentClaims(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	const n = 6
	for i := range n {
		mustAddFollowUp(t, s, a.ID, "item", storage.TicketPending, time.Duration(i)*time.Second)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[int64]int{}
	)
	for range n + 2 {
		wg.Go(func() {
			c, _, err := s.ClaimTicket(ctx, at(time.Minute), time.Minute)
			if errors.Is(err, storage.ErrNotFound) {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen[c.ID]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d distinct follow-ups claimed, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("follow-up %d claimed %d times", id, k)
		}
	}
}

func testFollowUpStatePolling(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	var ids []int64
	for i := range 3 {
		f := mustAddFollowUp(t, s, a.ID, "item", storage.TicketPending, time.Duration(i)*time.Second)
		c, _, err := s.ClaimTicket(ctx, at(time.Minute), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishTicket(ctx, c.ID, c.Attempts, storage.TicketOutcome{Status: storage.TicketCreated, Key: "K"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	mustAddFollowUp(t, s, a.ID, "never a ticket", storage.TicketNone, time.Minute)
	due, err := s.DueTicketChecks(ctx, at(time.Hour), 2)
	if err != nil || len(due) != 2 || due[0].ID != ids[0] || due[1].ID != ids[1] {
		t.Fatalf("due: %+v %v", due, err)
	}
	if err := s.SetTicketState(ctx, ids[0], storage.TicketDone, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	due, _ = s.DueTicketChecks(ctx, at(time.Hour), 10)
	if len(due) != 2 || due[0].ID != ids[1] || due[1].ID != ids[2] {
		t.Errorf("due after one check: %+v", due)
	}
	due, _ = s.DueTicketChecks(ctx, at(2*time.Hour), 10)
	if len(due) != 3 || due[2].ID != ids[0] {
		t.Errorf("due later: %d, the checked one last", len(due))
	}
	got, _ := s.ListFollowUps(ctx, a.ID)
	if got[0].TicketState != storage.TicketDone || !timePtrEq(got[0].CheckedAt, ptr(at(time.Hour))) {
		t.Errorf("state: %+v", got[0])
	}
	if err := s.SetTicketState(ctx, 99999, storage.TicketDone, at(time.Hour)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("state of no row: %v", err)
	}
}
