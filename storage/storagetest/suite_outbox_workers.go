package storagetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

func testOutboxConcurrentWorkers(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	type key struct{ platform, channel string }
	var (
		channels []key
		total    int
	)
	for _, p := range []string{"slack", "discord"} {
		for c := range 3 {
			channels = append(channels, key{p, fmt.Sprintf("C%d", c)})
		}
	}
	// Interleave channels so that IDs of one channel are not contiguous.
	var batch []storage.OutboxMessage
	for i := range 8 {
		for _, k := range channels {
			total++
			batch = append(batch, outboxMsg(k.platform, k.channel, total, 0))
		}
		if i%2 == 1 {
			mustEnqueue(t, s, batch...)
			batch = nil
		}
	}

	var (
		mu        sync.Mutex
		claimed   = map[int64]int{}   // id → times claimed
		order     = map[key][]int64{} // delivery order per channel
		inFlight  = map[key]int64{}   // channel → message being delivered
		delivered atomic.Int64
		wg        sync.WaitGroup
		errs      = make(chan error, 100)
	)
	report := func(err error) {
		select {
		case errs <- err:
		default: // enough errors already
		}
	}
	deadline := time.Now().Add(time.Minute)
	for w := range 2 {
		wg.Go(func() {
			for delivered.Load() < int64(total) {
				if time.Now().After(deadline) {
					report(fmt.Errorf("worker %d: gave up with %d of %d delivered", w, delivered.Load(), total))
					return
				}
				msgs, err := s.ClaimOutbox(ctx, base, 10*time.Minute, 3)
				if err != nil {
					report(fmt.Errorf("worker %d: ClaimOutbox: %w", w, err))
					return
				}
				if len(msgs) == 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				mu.Lock()
				for _, m := range msgs {
					k := key{m.Platform, m.Channel}
					claimed[m.ID]++
					if claimed[m.ID] > 1 {
						report(fmt.Errorf("worker %d: message %d claimed again", w, m.ID))
					}
					if other, busy := inFlight[k]; busy {
						report(fmt.Errorf("worker %d: got message %d of %v while %d is in flight", w, m.ID, k, other))
					}
					inFlight[k] = m.ID
					order[k] = append(order[k], m.ID)
				}
				mu.Unlock()
				for _, m := range msgs {
					// Release the channel before the delivery commits: a
					// claim that sees the next message must come after.
					mu.Lock()
					delete(inFlight, key{m.Platform, m.Channel})
					mu.Unlock()
					if err := s.MarkDelivered(ctx, m.ID, base); err != nil {
						report(fmt.Errorf("worker %d: MarkDelivered(%d): %w", w, m.ID, err))
						return
					}
					delivered.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if len(claimed) != total {
		t.Errorf("%d distinct messages claimed, want %d", len(claimed), total)
	}
	for k, ids := range order {
		if !slices.IsSorted(ids) {
			t.Errorf("channel %v delivered out of order: %v", k, ids)
		}
		if len(ids) != 8 {
			t.Errorf("channel %v: %d deliveries, want 8", k, len(ids))
		}
	}
	for id := range claimed {
		m := mustGetOutbox(t, s, id)
		if m.Status != storage.OutboxDelivered || m.Attempts != 1 {
			t.Errorf("message %d: Status %q Attempts %d, want delivered 1", id, m.Status, m.Attempts)
		}
	}
	if st, err := s.OutboxStats(ctx); err != nil || pendingTotal(st) != 0 {
		t.Errorf("OutboxStats after delivering everything = %+v, %v; want nothing pending", st, err)
	}
}

func testOutboxStats(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	st, err := s.OutboxStats(ctx)
	if err != nil || len(st) != 0 {
		t.Fatalf("OutboxStats of an empty outbox = %+v, %v; want none", st, err)
	}
	mustEnqueue(t, s,
		outboxMsg("slack", "C1", 30, 0),
		outboxMsg("slack", "C2", 10, 0),
		outboxMsg("slack", "C1", 20, 0),
		outboxMsg("discord", "D1", 50, 0),
	)
	check := func(when string, want map[string]storage.OutboxStat) {
		t.Helper()
		st, err := s.OutboxStats(ctx)
		if err != nil {
			t.Fatalf("OutboxStats %s: %v", when, err)
		}
		got := map[string]storage.OutboxStat{}
		for _, s := range st {
			if _, dup := got[s.Platform]; dup {
				t.Errorf("OutboxStats %s: platform %q twice", when, s.Platform)
			}
			if s.Pending > 0 {
				got[s.Platform] = s
			}
		}
		if len(got) != len(want) {
			t.Errorf("OutboxStats %s = %+v, want %+v", when, st, want)
		}
		for p, w := range want {
			g, ok := got[p]
			if !ok || g.Pending != w.Pending || !g.OldestPending.Equal(w.OldestPending) {
				t.Errorf("OutboxStats %s for %s = %+v, want %+v", when, p, g, w)
			}
		}
	}
	check("after enqueue", map[string]storage.OutboxStat{
		"slack":   {Platform: "slack", Pending: 3, OldestPending: at(10 * time.Millisecond)},
		"discord": {Platform: "discord", Pending: 1, OldestPending: at(50 * time.Millisecond)},
	})
	// Leased messages are still pending; delivered ones are not.
	msgs := mustClaim(t, s, base, time.Minute, 10)
	check("while leased", map[string]storage.OutboxStat{
		"slack":   {Platform: "slack", Pending: 3, OldestPending: at(10 * time.Millisecond)},
		"discord": {Platform: "discord", Pending: 1, OldestPending: at(50 * time.Millisecond)},
	})
	for _, m := range msgs {
		if m.Platform != "slack" {
			continue
		}
		if err := s.MarkDelivered(ctx, m.ID, base); err != nil {
			t.Fatalf("MarkDelivered: %v", err)
		}
	}
	check("after delivering the slack heads", map[string]storage.OutboxStat{
		"slack":   {Platform: "slack", Pending: 1, OldestPending: at(20 * time.Millisecond)},
		"discord": {Platform: "discord", Pending: 1, OldestPending: at(50 * time.Millisecond)},
	})
	for _, m := range msgs {
		if m.Platform == "discord" {
			if err := s.KillOutbox(ctx, m.ID, "gone"); err != nil {
				t.Fatalf("KillOutbox: %v", err)
			}
		}
	}
	check("after killing the discord one", map[string]storage.OutboxStat{
		"slack": {Platform: "slack", Pending: 1, OldestPending: at(20 * time.Millisecond)},
	})
}

// drain empties s's wake channel.
func drain(s storage.Store) {
	for {
		select {
		case <-s.OutboxWake():
		default:
			return
		}
	}
}

func waitWake(t *testing.T, s storage.Store) {
	t.Helper()
	select {
	case <-s.OutboxWake():
	case <-time.After(10 * time.Second):
		t.Fatal("OutboxWake did not fire within 10s of an enqueue commit")
	}
}

func testOutboxWake(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	drain(s)
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.EnqueueOutbox(ctx, outboxMsg("slack", "C1", 1, 0))
	})
	if err != nil {
		t.Fatalf("InTx EnqueueOutbox: %v", err)
	}
	waitWake(t, s)
	// Outside a transaction too.
	drain(s)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 2, 0))
	waitWake(t, s)
	// Many enqueues coalesce: the channel never blocks a committer.
	for i := range 20 {
		mustEnqueue(t, s, outboxMsg("slack", "C2", 10+i, 0))
	}
	waitWake(t, s)
}
