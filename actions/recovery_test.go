package actions_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestInterruptedRunBecomesUnknown: the runner dies after the external
// call and before the outcome is stored. A new runner on the same store,
// past the lease, marks the run unknown and asks the channel; it never
// calls again. A person then says what happened.
func TestInterruptedRunBecomesUnknown(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		first := h.ints["deploy"]
		first.block, first.started = make(chan struct{}), make(chan struct{}, 1)
		h.click(alice, "run rollback-checkout")

		crashed, cancelCrash := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _, _ = h.runner.Step(crashed) }()
		<-first.started // the call is made and has not answered
		if run := h.onlyRun(); run.Status != storage.RunRunning || run.LeaseUntil == nil {
			t.Fatalf("during the call the run is %+v; want running with a lease (committed before the call)", run)
		}

		// A restart before the lease ends leaves the run alone.
		restarted := h.replica(testActions())
		if n, err := restarted.runner.Recover(context.Background()); err != nil || n != 0 {
			t.Fatalf("Recover within the lease = %d, %v; want 0", n, err)
		}
		h.clock.Advance(30*time.Second + actions.DefaultLeaseGrace + time.Second)
		n, err := restarted.runner.Recover(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("Recover past the lease = %d, %v; want 1", n, err)
		}
		run := h.onlyRun()
		if run.Status != storage.RunUnknown {
			t.Fatalf("run after recovery is %s, want unknown", run.Status)
		}
		if restarted.step() != 0 {
			t.Fatal("the new runner ran something")
		}
		// The crashed runner's call ends without an answer (its process is
		// gone); nothing it does can settle the run.
		first.set(actions.Result{}, context.Canceled) // the connection died with the process
		cancelCrash()
		close(first.block)
		<-done
		if calls := len(first.Calls()) + len(restarted.ints["deploy"].Calls()); calls != 1 {
			t.Fatalf("%d external calls, want 1: never re-run silently", calls)
		}
		if run := h.onlyRun(); run.Status != storage.RunUnknown {
			t.Fatalf("run is %s after the old call ended, want still unknown", run.Status)
		}
		if got := h.actionKinds(); got != "action_requested action_started action_unknown" {
			t.Errorf("timeline: %s", got)
		}
		q := restarted.lastPosted("take effect?")
		mustContain(t, "verify question", q, "*Did Roll back checkout to v41 take effect?*", "lost track of this run after it started at 14:32 UTC",
			"will not run it again by itself", "[It worked → INC-1 verify "+run.ID+" worked]", "[It failed → INC-1 verify "+run.ID+" failed]",
			"[Run again → INC-1 confirm "+run.ID+"]")
		mustContain(t, "progress", restarted.lastPosted("outcome unknown"), "❓ *Roll back checkout to v41* — outcome unknown")
		if got := h.auditSteps(); got != "requested:requested started:running finished:unknown" {
			t.Errorf("audit: %s", got)
		}

		// bob may not say; alice says it worked, once.
		if r := restarted.click(bob, "verify "+run.ID+" worked"); !r.Error {
			t.Fatalf("bob verified: %s", replyText(r))
		}
		if r := restarted.click(alice, "verify "+run.ID+" worked"); r.Error {
			t.Fatalf("verify: %s", replyText(r))
		}
		if r := restarted.click(carol, "verify "+run.ID+" failed"); !r.Error {
			t.Errorf("a second answer was accepted: %s", replyText(r))
		}
		run = h.onlyRun()
		if run.Status != storage.RunSucceeded || !run.VerifiedBy.Same(alice) {
			t.Fatalf("run after verification: %+v", run)
		}
		if got := h.actionKinds(); got != "action_requested action_started action_unknown action_denied action_succeeded" {
			t.Errorf("timeline: %s", got)
		}
		mustContain(t, "answered question", restarted.lastPosted("take effect? "), "<@slack:U1|alice> says it worked")
		mustContain(t, "mitigation question", restarted.lastPosted("not the same as mitigation"), "Is customer impact mitigated?")
		if n := len(first.Calls()) + len(restarted.ints["deploy"].Calls()); n != 1 {
			t.Errorf("%d calls after verification, want 1", n)
		}
	})
}

// TestLateAnswerSettlesAnUnknownRun: a call that outlived its lease (the
// system was slow) and then answered records the real outcome.
func TestLateAnswerSettlesAnUnknownRun(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		slow := h.ints["deploy"]
		slow.block, slow.started = make(chan struct{}), make(chan struct{}, 1)
		h.click(alice, "run rollback-checkout")
		done := make(chan struct{})
		go func() { defer close(done); h.step() }()
		<-slow.started
		h.clock.Advance(time.Hour)
		if n, err := h.runner.Recover(context.Background()); err != nil || n != 1 {
			t.Fatalf("Recover = %d, %v", n, err)
		}
		close(slow.block)
		<-done
		run := h.onlyRun()
		if run.Status != storage.RunSucceeded || run.VerifiedAt != nil {
			t.Fatalf("run %+v: want the late success recorded", run)
		}
		var late bool
		for _, e := range h.events() {
			if e.Kind == incident.KindActionSucceeded {
				late = e.Data["late"] == true && strings.Contains(e.Text, "came after the run was presumed lost")
			}
		}
		if !late {
			t.Error("the late success is not marked late on the timeline")
		}
		mustContain(t, "question", h.lastPosted("Its answer came late"), "it succeeded")
	})
}

// TestRunnerLoop runs the real loop: a click is picked up without a
// Step, and the loop stops with its context.
func TestRunnerLoop(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), testActions())
	h.declare()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- h.runner.Run(ctx) }()
	h.click(alice, "run rollback-checkout")
	deadline := time.Now().Add(10 * time.Second)
	for len(h.ints["deploy"].Calls()) == 0 || h.onlyRun().Status.Active() {
		if time.Now().After(deadline) {
			t.Fatal("the runner did not run the click within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	if h.onlyRun().Status != storage.RunSucceeded {
		t.Errorf("run %s", h.onlyRun().Status)
	}
}

func TestIntegrationPanicIsContained(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), testActions())
	h.declare()
	acts := testActions()
	cat, _ := actions.NewCatalog(acts, testIntegrations)
	r, err := actions.NewRunner(h.engine, actions.RunnerOptions{Store: h.store, Clock: h.clock, Catalog: cat,
		Integrations: map[string]actions.Integration{"deploy": panicky{}, "flags": h.ints["flags"]}})
	if err != nil {
		t.Fatal(err)
	}
	h.click(alice, "run rollback-checkout")
	if _, err := r.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	run := h.onlyRun()
	if run.Status != storage.RunUnknown || !strings.Contains(run.Error, "crashed") {
		t.Errorf("run after a panic: %+v", run)
	}
}

type panicky struct{}

func (panicky) Run(context.Context, actions.Request) (actions.Result, error) { panic("boom") }
