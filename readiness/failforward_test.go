package readiness_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/readiness"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

const deadlinePassed = "fail-forward deadline passed"

// TestFailForwardDeadlineAsksAgain: a fail-forward decision with a
// deadline, impact still ongoing when it passes: the bot asks again in the
// channel, mentioning the lead, with the rollback and kill switch first;
// once.
func TestFailForwardDeadlineAsksAgain(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, 1)
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		h.do(alice, ch, "/incident lead <@U2>")
		if r := h.do(alice, ch, "/incident fail-forward 30m hotfix is building"); r.Error {
			t.Fatalf("fail-forward: %+v", r)
		}
		ff := h.eventsOf(inc.Key, incident.KindFailForward)
		if len(ff) != 1 || ff[0].Data[incident.DataDeadline] != "2026-03-01T14:30:00Z" || ff[0].Text != "hotfix is building" {
			t.Fatalf("fail_forward events %+v", ff)
		}
		if got := h.posts("deadline at 14:30 UTC"); len(got) != 1 {
			t.Errorf("the decision's line does not say its deadline: %d posts", len(got))
		}

		h.clock.Advance(29 * time.Minute)
		if n := h.sweep(0); n != 0 || len(h.posts(deadlinePassed)) != 0 {
			t.Fatalf("asked %d times before the deadline", n)
		}
		h.clock.Advance(2 * time.Minute)
		if n := h.sweep(0); n != 1 {
			t.Fatalf("asked %d times at the deadline, want 1", n)
		}
		h.clock.Advance(time.Hour)
		if n := h.sweep(0); n != 0 {
			t.Errorf("asked again %d times for one deadline", n)
		}

		msgs := h.posts(deadlinePassed)
		if len(msgs) != 1 {
			t.Fatalf("%d deadline messages, want 1", len(msgs))
		}
		m := msgs[0]
		var mentioned []incident.Actor
		for _, b := range m.Blocks {
			mentioned = append(mentioned, b.Text.Mentions()...)
		}
		if len(mentioned) != 1 || !mentioned[0].Same(bob) {
			t.Errorf("mentions %v, want the lead bob only", mentioned)
		}
		var cmds []string
		for _, b := range m.AllButtons() {
			cmds = append(cmds, b.Command)
		}
		want := "INC-1 run rollback-checkout|INC-1 run kill-new-checkout|INC-1 run scale-up"
		if got := strings.Join(cmds, "|"); got != want {
			t.Errorf("buttons %q, want the safe moves first: %q", got, want)
		}
		if !strings.Contains(allText(m), "alice decided: hotfix is building") {
			t.Errorf("the question does not recall the decision:\n%s", allText(m))
		}
		evs := h.eventsOf(inc.Key, incident.KindFailForwardDeadline)
		if len(evs) != 1 || evs[0].Data["deadline"] != "2026-03-01T14:30:00Z" {
			t.Errorf("deadline events %+v", evs)
		}
		ds, _ := s.ListFailForwardDeadlines(context.Background(), inc.ID)
		if len(ds) != 1 || ds[0].Outcome != readiness.DeadlineAsked {
			t.Errorf("stored deadline %+v", ds)
		}
	})
}

// TestFailForwardDeadlineHeld: impact mitigated before the deadline: no
// question, and the deadline is recorded as held.
func TestFailForwardDeadlineHeld(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), 1)
	inc, ch := h.declare(alice, "/incident declare sev2 Search slow")
	h.do(alice, ch, "/incident fail-forward 20m index rebuild is faster than a rollback")
	h.clock.Advance(10 * time.Minute)
	h.do(alice, ch, "/incident mitigated index rebuilt")
	h.clock.Advance(15 * time.Minute)
	if n := h.sweep(0); n != 0 || len(h.posts(deadlinePassed)) != 0 {
		t.Fatalf("asked %d times though impact was mitigated", n)
	}
	ds, _ := h.store.ListFailForwardDeadlines(context.Background(), inc.ID)
	if len(ds) != 1 || ds[0].Outcome != readiness.DeadlineHeld || ds[0].FiredAt == nil {
		t.Errorf("stored deadline %+v, want held", ds)
	}
}

// TestFailForwardWithoutDeadline: the old form records no deadline.
func TestFailForwardWithoutDeadline(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), 1)
	inc, ch := h.declare(alice, "/incident declare sev2 Search slow")
	if r := h.do(alice, ch, "/incident fail-forward hotfix in 5 minutes"); r.Error {
		t.Fatalf("%+v", r)
	}
	if r := h.do(alice, ch, "/incident fail-forward 5s hotfix"); !r.Error {
		t.Errorf("a 5s deadline was accepted: %+v", r)
	}
	h.clock.Advance(48 * time.Hour)
	if n := h.sweep(0); n != 0 {
		t.Errorf("asked %d times without a deadline", n)
	}
	if ds, _ := h.store.ListFailForwardDeadlines(context.Background(), inc.ID); len(ds) != 0 {
		t.Errorf("deadlines %+v", ds)
	}
}

// TestFailForwardDeadlineReplicasAskOnce: three replicas sweeping at once
// ask once.
func TestFailForwardDeadlineReplicasAskOnce(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, 3)
		_, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		h.do(alice, ch, "/incident fail-forward 15m hotfix")
		h.clock.Advance(16 * time.Minute)
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total int
		)
		for i := range h.replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					n, err := h.replicas[i].sweeper.Sweep(context.Background())
					if err != nil {
						t.Errorf("replica %d: %v", i, err)
					}
					mu.Lock()
					total += n
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		h.drain()
		if total != 1 || len(h.posts(deadlinePassed)) != 1 {
			t.Errorf("asked %d times, %d messages; want 1", total, len(h.posts(deadlinePassed)))
		}
	})
}

func (h *harness) sweep(replica int) int {
	h.t.Helper()
	n, err := h.replicas[replica].sweeper.Sweep(context.Background())
	if err != nil {
		h.t.Fatalf("Sweep: %v", err)
	}
	h.drain()
	return n
}
