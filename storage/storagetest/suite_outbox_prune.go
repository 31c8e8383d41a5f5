package storagetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// testOutboxPrune: pruning deletes only messages delivered before the
// cut-off, oldest first and no more than asked; a pending message (still
// to go), a dead one (evidence of a failure) and a recent delivery stay,
// and the channel order of what is still pending is unchanged.
func testOutboxPrune(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s,
		outboxMsg("slack", "C1", 1, 0), outboxMsg("slack", "C2", 2, 0), outboxMsg("slack", "C3", 3, 0),
		outboxMsg("slack", "C4", 4, 0), outboxMsg("slack", "C5", 5, 0))
	claimed := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, claimed); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("claim = %v", got)
	}
	id := map[int]int64{}
	for _, m := range claimed {
		id[payloadN(t, m)] = m.ID
	}
	// 1, 2, 3 delivered an hour apart; 4 dead; 5 left pending (retried).
	for n, d := range map[int]time.Duration{1: time.Hour, 2: 2 * time.Hour, 3: 3 * time.Hour} {
		if err := s.MarkDelivered(ctx, id[n], at(d)); err != nil {
			t.Fatalf("MarkDelivered: %v", err)
		}
	}
	if err := s.KillOutbox(ctx, id[4], "channel_not_found"); err != nil {
		t.Fatalf("KillOutbox: %v", err)
	}
	if err := s.RetryOutbox(ctx, id[5], at(time.Minute), "500"); err != nil {
		t.Fatalf("RetryOutbox: %v", err)
	}
	// Later messages behind the pending one of C5 keep their order.
	mustEnqueue(t, s, outboxMsg("slack", "C5", 6, 0))

	// Cut-off after deliveries 1 and 2, at most one per call.
	n, err := s.PruneOutbox(ctx, at(150*time.Minute), 1)
	if err != nil || n != 1 {
		t.Fatalf("PruneOutbox(limit 1) = %d, %v; want 1", n, err)
	}
	gone(t, s, id[1])
	mustGetOutbox(t, s, id[2])
	n, err = s.PruneOutbox(ctx, at(150*time.Minute), 100)
	if err != nil || n != 1 {
		t.Fatalf("PruneOutbox = %d, %v; want 1 (delivery 2 only)", n, err)
	}
	gone(t, s, id[2])
	if m := mustGetOutbox(t, s, id[3]); m.Status != storage.OutboxDelivered {
		t.Errorf("recent delivery: status %q", m.Status)
	}
	if m := mustGetOutbox(t, s, id[4]); m.Status != storage.OutboxDead {
		t.Errorf("dead message: status %q", m.Status)
	}
	// Far in the future: only delivery 3 is left to prune.
	n, err = s.PruneOutbox(ctx, at(1000*time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("PruneOutbox(later) = %d, %v; want 1", n, err)
	}
	if n, err := s.PruneOutbox(ctx, at(1000*time.Hour), 0); err != nil || n != 0 {
		t.Fatalf("PruneOutbox(limit 0) = %d, %v", n, err)
	}
	if got := ns(t, mustClaim(t, s, at(2*time.Minute), time.Minute, 10)); !slices.Equal(got, []int{5}) {
		t.Fatalf("claim after pruning = %v, want [5] (then 6, in order)", got)
	}
	st, err := s.OutboxStats(ctx)
	if err != nil || len(st) != 1 || st[0].Pending != 2 {
		t.Fatalf("OutboxStats after pruning = %+v, %v; want 2 pending", st, err)
	}
}

// gone fails unless outbox message id no longer exists.
func gone(t *testing.T, s storage.Querier, id int64) {
	t.Helper()
	if _, err := s.GetOutbox(ctxFor(t), id); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetOutbox(%d) after pruning: %v, want ErrNotFound", id, err)
	}
}

// testOutboxDefer: a message handed back untried (paced by the adapter) is
// due again at the given time, keeps its channel's order, and its claim did
// not count as an attempt, so the next try is not taken for a retry.
func testOutboxDefer(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 0), outboxMsg("slack", "C1", 2, 0), outboxMsg("slack", "C2", 3, 0))
	first := mustClaim(t, s, base, time.Minute, 1)
	if got := ns(t, first); !slices.Equal(got, []int{1}) || first[0].Attempts != 1 {
		t.Fatalf("claim = %v (attempts %d)", got, first[0].Attempts)
	}
	if err := s.DeferOutbox(ctx, first[0].ID, at(10*time.Second)); err != nil {
		t.Fatalf("DeferOutbox: %v", err)
	}
	// Before its time only the other channel goes; C1's second message
	// waits behind its deferred head.
	if got := ns(t, mustClaim(t, s, at(5*time.Second), time.Minute, 10)); !slices.Equal(got, []int{3}) {
		t.Fatalf("claim before the deferred time = %v, want [3]", got)
	}
	again := mustClaim(t, s, at(10*time.Second), time.Minute, 10)
	if got := ns(t, again); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim at the deferred time = %v, want [1]", got)
	}
	if again[0].Attempts != 1 {
		t.Errorf("attempts after a deferral and a new claim = %d, want 1", again[0].Attempts)
	}
	if err := s.MarkDelivered(ctx, again[0].ID, at(11*time.Second)); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if err := s.DeferOutbox(ctx, again[0].ID, at(time.Hour)); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("DeferOutbox of a delivered message: %v, want ErrConflict", err)
	}
	if m := mustGetOutbox(t, s, again[0].ID); m.Status != storage.OutboxDelivered {
		t.Errorf("a late deferral changed a delivered message: %q", m.Status)
	}
}
