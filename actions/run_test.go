package actions_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func TestRunLifecycle(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		inc := h.declare()

		r := h.click(alice, "run rollback-checkout")
		if r.Error {
			t.Fatalf("click: %s", replyText(r))
		}
		mustContain(t, "reply", replyText(r), "Running Roll back checkout to v41 now")
		run := h.onlyRun()
		if run.Status != storage.RunRequested || !run.RequestedBy.Same(alice) || run.Source != incident.SourceButton {
			t.Fatalf("run after the click: %+v", run)
		}
		if calls := h.ints["deploy"].Calls(); len(calls) != 0 {
			t.Fatalf("the click called the integration itself (%d calls); the runner must", len(calls))
		}
		mustContain(t, "progress message", h.lastPosted("Roll back checkout"), "requested by <@slack:U1|alice> at 14:32 UTC; starting…")

		h.clock.Advance(3 * time.Second)
		if n := h.step(); n != 1 {
			t.Fatalf("Step ran %d runs, want 1", n)
		}
		calls := h.ints["deploy"].Calls()
		if len(calls) != 1 {
			t.Fatalf("%d calls, want 1", len(calls))
		}
		c := calls[0]
		if c.RunID != run.ID || c.IncidentKey != inc.Key || c.ActionID != "rollback-checkout" || !c.Actor.Same(alice) ||
			c.Params["version"] != "v41" || c.Undo || !c.At.Equal(t0.Add(3*time.Second)) {
			t.Errorf("request %+v: want the run ID as idempotency key, the incident, the action, the requester and its params", c)
		}

		run = h.onlyRun()
		if run.Status != storage.RunSucceeded || run.Summary != "deploy did it" || run.URL != "https://deploy.example/runs/1" ||
			run.StartedAt == nil || run.FinishedAt == nil || run.LeaseUntil != nil {
			t.Errorf("run after Step: %+v", run)
		}
		if got := h.actionKinds(); got != "action_requested action_started action_succeeded" {
			t.Errorf("timeline: %s", got)
		}
		if got := h.auditSteps(); got != "requested:requested started:running finished:succeeded" {
			t.Errorf("audit: %s", got)
		}
		for _, a := range h.audit() {
			if a.Action != actions.AuditAction || !a.Actor.Same(map[bool]incident.Actor{true: incident.System, false: alice}[a.Step == "finished"]) {
				t.Errorf("audit row %+v: want action.run by alice (the runner's own step by the system)", a)
			}
			if a.Detail["incident"] != inc.Key || a.Detail["action_id"] != "rollback-checkout" {
				t.Errorf("audit row %s lacks the incident and action: %v", a.Step, a.Detail)
			}
			if strings.Contains(fmt.Sprint(a.Detail), "hunter2-param-secret") {
				t.Errorf("audit row %s holds a secret param: %v", a.Step, a.Detail)
			}
		}
		if p, ok := h.audit()[0].Detail["params"].(map[string]any); !ok || p["api_token"] != actions.Redacted || p["version"] != "v41" {
			t.Errorf("audited params %v: want them, with secret-looking ones redacted", h.audit()[0].Detail["params"])
		}

		posted := h.posted()
		var updates []string
		for _, p := range posted {
			if strings.Contains(p, "via deploy") && strings.HasPrefix(p, "update") {
				updates = append(updates, p)
			}
		}
		if len(updates) < 2 {
			t.Fatalf("progress message updated %d times, want running then succeeded:\n%s", len(updates), strings.Join(posted, "\n"))
		}
		mustContain(t, "running update", updates[0], "Running… started 14:32 UTC by <@slack:U1|alice>")
		mustContain(t, "outcome update", updates[len(updates)-1], "✅ *Roll back checkout to v41* succeeded in 0s: deploy did it",
			"🔗 <https://deploy.example/runs/1>")
		// Success of a rollback is not mitigation: the question follows at once.
		q := h.lastPosted("That is not the same as mitigation")
		mustContain(t, "mitigation question", q, "Is customer impact mitigated?", "[Yes, mitigated → INC-1 effect "+h.onlyRun().ID+" yes]")
		if h.incident().Impact != incident.ImpactOngoing {
			t.Error("a successful action marked impact mitigated by itself")
		}
		// The question's button records the mitigation.
		if r := h.click(alice, "mitigated after Roll back checkout to v41"); r.Error {
			t.Fatalf("mitigated: %s", replyText(r))
		}
		if h.incident().Impact != incident.ImpactMitigated {
			t.Error("the Yes, mitigated button did not mitigate")
		}
	})
}

func TestDoubleClickAndRunAgain(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		h.click(alice, "run rollback-checkout")
		h.clock.Advance(time.Minute)
		r := h.click(carol, "run rollback-checkout")
		if !r.Error {
			t.Fatalf("second click accepted: %s", replyText(r))
		}
		mustContain(t, "second click", replyText(r), "Roll back checkout to v41 is already running, started by alice at 14:32 UTC")
		h.step()
		r = h.click(carol, "run rollback-checkout")
		mustContain(t, "click after the run", replyText(r), "already ran on INC-1: it succeeded at 14:33 UTC", "*Run again?*")
		if n := len(h.ints["deploy"].Calls()); n != 1 || len(h.runs()) != 1 {
			t.Fatalf("after a double click and a run: %d calls, %d runs; want 1 and 1", n, len(h.runs()))
		}
		first := h.onlyRun()
		mustContain(t, "run again prompt", replyText(r), "[Run again → INC-1 confirm "+first.ID+"]")

		// Run again, twice in a row (another double click): one new run.
		r = h.click(carol, "confirm "+first.ID)
		mustContain(t, "run again", replyText(r), "Running Roll back checkout to v41 now")
		r = h.click(carol, "confirm "+first.ID)
		mustContain(t, "second run again", replyText(r), "already running, started by carol")
		h.step()
		if n := len(h.ints["deploy"].Calls()); n != 2 {
			t.Fatalf("%d calls after run again, want 2", n)
		}
		rs := h.runs()
		if len(rs) != 2 || rs[1].AgainOf != first.ID || rs[1].ID == first.ID || !rs[1].RequestedBy.Same(carol) {
			t.Fatalf("runs after run again: %+v", rs)
		}
		if calls := h.ints["deploy"].Calls(); calls[0].RunID == calls[1].RunID {
			t.Error("two runs shared an idempotency key")
		}
		// The old prompt's button is out of date now.
		r = h.click(carol, "confirm "+first.ID)
		mustContain(t, "stale run again", replyText(r), "out of date")
		if n := len(h.ints["deploy"].Calls()); n != 2 || h.step() != 0 {
			t.Errorf("a stale Run again started a run")
		}
		// Declining the prompt changes nothing.
		r = h.click(carol, "cancel "+rs[1].ID)
		mustContain(t, "declined run again", replyText(r), "is not run again")
	})
}

// TestFiftyConcurrentClicks: fifty allowed people click at once, while a
// runner is at work: exactly one external call.
func TestFiftyConcurrentClicks(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		const n = 50
		sre := make([]string, n)
		for i := range n {
			sre[i] = fmt.Sprintf("slack:USRE%02d", i)
		}
		groups["sre50"] = sre
		t.Cleanup(func() { delete(groups, "sre50") })
		acts := testActions()
		acts[0].Allowed = []string{"group:sre50"}
		h = h.replica(acts)

		ctx, cancel := context.WithCancel(context.Background())
		var runnerDone sync.WaitGroup
		runnerDone.Add(1)
		go func() { defer runnerDone.Done(); _, _ = h.runner.Step(ctx); _ = h.runner.Run(ctx) }()

		var wg sync.WaitGroup
		start := make(chan struct{})
		replies := make([]bot.Reply, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				who := incident.Actor{Platform: "slack", ID: fmt.Sprintf("USRE%02d", i), Name: fmt.Sprintf("sre %d", i)}
				replies[i], errs[i] = h.engine.Handle(context.Background(), bot.Invocation{ID: fmt.Sprintf("click-%d", i),
					Channel: channel, Actor: who, Text: "run rollback-checkout", Source: incident.SourceButton})
			}()
		}
		close(start)
		wg.Wait()
		deadline := time.Now().Add(30 * time.Second)
		for h.onlyRun().Status.Active() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		runnerDone.Wait()
		h.step()

		accepted := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("click %d: %v", i, errs[i])
			}
			if !replies[i].Error && strings.Contains(replyText(replies[i]), "Running Roll back") {
				accepted++
				continue
			}
			txt := replyText(replies[i])
			if !strings.Contains(txt, "already running, started by") && !strings.Contains(txt, "Run again?") {
				t.Errorf("click %d answered %q", i, txt)
			}
		}
		if calls := h.ints["deploy"].Calls(); accepted != 1 || len(calls) != 1 {
			t.Fatalf("%d clicks accepted, %d external calls; want exactly 1 and 1", accepted, len(calls))
		}
		if run := h.onlyRun(); run.Status != storage.RunSucceeded {
			t.Errorf("the run is %s", run.Status)
		}
	})
}

func TestUnauthorizedIsDeniedAndRecorded(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		for _, who := range []incident.Actor{bob, mallory} { // mallory shows carol's name; carol is allowed
			r := h.click(who, "run rollback-checkout")
			if !r.Error {
				t.Fatalf("%s was allowed: %s", who.Ref(), replyText(r))
			}
			mustContain(t, "denial", replyText(r), "Only the lead or group:sre may run Roll back checkout to v41", "recorded on the timeline")
		}
		if h.step() != 0 || len(h.ints["deploy"].Calls()) != 0 || len(h.runs()) != 0 {
			t.Fatal("a denied click led to a run")
		}
		if got := h.actionKinds(); got != "action_denied action_denied" {
			t.Errorf("timeline: %s", got)
		}
		denied := 0
		for _, e := range h.events() {
			if e.Kind == incident.KindActionDenied {
				if e.Data["action_id"] != "rollback-checkout" {
					t.Errorf("denial event data %v", e.Data)
				}
				denied++
			}
		}
		rows := h.audit()
		if len(rows) != 2 || rows[0].Step != actions.StepDenied || !rows[0].Actor.Same(bob) || !rows[1].Actor.Same(mallory) {
			t.Fatalf("audit: %+v", rows)
		}
		// carol herself (by ID) is allowed.
		if r := h.click(carol, "run rollback-checkout"); r.Error {
			t.Fatalf("carol denied: %s", replyText(r))
		}
	})
}

func TestResolvedIncidentRefuses(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		// A run waiting for approval is cancelled when the incident is resolved.
		h.click(alice, "run kill-new-checkout")
		if r := h.typed(alice, "resolve --ongoing fixed"); r.Error {
			t.Fatalf("resolve: %s", replyText(r))
		}
		if run := h.onlyRun(); run.Status != storage.RunCancelled || !strings.Contains(run.Error, "resolved") {
			t.Errorf("waiting run after resolve: %+v", run)
		}
		waiting := h.onlyRun()
		// The buttons of the incident's messages name it (the channel,
		// borrowed with declare here, is free again).
		r := h.click(alice, "INC-1 run rollback-checkout")
		if !r.Error {
			t.Fatalf("run on a resolved incident accepted: %s", replyText(r))
		}
		mustContain(t, "refusal", replyText(r), "INC-1 is resolved")
		for _, cmd := range []string{"INC-1 approve " + waiting.ID, "INC-1 confirm " + waiting.ID} {
			if r := h.click(carol, cmd); !r.Error {
				t.Errorf("%s on a resolved incident accepted: %s", cmd, replyText(r))
			}
		}
		if h.step() != 0 || len(h.ints["deploy"].Calls())+len(h.ints["flags"].Calls()) != 0 || len(h.runs()) != 1 {
			t.Fatal("something ran on a resolved incident")
		}
		if got := h.actionKinds(); got != "action_requested action_cancelled" {
			t.Errorf("timeline: %s", got)
		}
		rows := h.audit()
		last := rows[len(rows)-1]
		if last.Step != actions.StepDenied || last.Outcome != "denied: incident resolved" {
			t.Errorf("audit of the refusal: %+v", last)
		}
	})
}

func TestApproval(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		r := h.click(alice, "run kill-new-checkout")
		mustContain(t, "request", replyText(r), "runs once a second allowed person approves it")
		run := h.onlyRun()
		if run.Status != storage.RunAwaitingApproval {
			t.Fatalf("status %s, want awaiting_approval", run.Status)
		}
		msg := h.lastPosted("Kill switch: new checkout")
		mustContain(t, "approval message", msg, "needs a second allowed person", "[Approve → INC-1 approve "+run.ID+"]", "[Cancel → INC-1 cancel "+run.ID+"]")
		if h.step() != 0 {
			t.Fatal("a run awaiting approval ran")
		}
		// The requester cannot approve their own run.
		r = h.click(alice, "approve "+run.ID)
		if !r.Error {
			t.Fatalf("self-approval accepted: %s", replyText(r))
		}
		mustContain(t, "self-approval", replyText(r), "You requested Kill switch: new checkout, so you cannot approve it")
		// Nor can someone who may not run it, whatever their name.
		for _, who := range []incident.Actor{bob, mallory} {
			if r := h.click(who, "approve "+run.ID); !r.Error {
				t.Fatalf("%s approved: %s", who.Ref(), replyText(r))
			}
		}
		if h.step() != 0 || h.onlyRun().Status != storage.RunAwaitingApproval {
			t.Fatal("a refused approval let the run go")
		}
		// A second allowed person can.
		r = h.click(carol, "approve "+run.ID)
		if r.Error {
			t.Fatalf("carol's approval refused: %s", replyText(r))
		}
		if r := h.click(carol, "approve "+run.ID); !r.Error {
			t.Errorf("a second approval accepted: %s", replyText(r))
		}
		if h.step() != 1 || len(h.ints["flags"].Calls()) != 1 {
			t.Fatal("the approved run did not run once")
		}
		run = h.onlyRun()
		if run.Status != storage.RunSucceeded || !run.ApprovedBy.Same(carol) {
			t.Errorf("run %+v", run)
		}
		if got := h.actionKinds(); got != "action_requested action_denied action_denied action_approved action_started action_succeeded" {
			t.Errorf("timeline: %s", got)
		}
		if got := h.auditSteps(); !strings.Contains(got, "denied:denied: requester cannot approve") || !strings.Contains(got, "approved:approved") {
			t.Errorf("audit: %s", got)
		}
		// The outcome offers the configured undo, which asks the same
		// system for the inverse operation.
		mustContain(t, "outcome", h.lastPosted("succeeded in"), "[Undo: Turn new checkout back on → INC-1 run restore-new-checkout]",
			"started 14:32 UTC by <@slack:U1|alice>, approved by <@slack:U3|carol>")
		h.click(alice, "run restore-new-checkout")
		h.step()
		if calls := h.ints["flags"].Calls(); len(calls) != 2 || !calls[1].Undo || calls[0].Undo {
			t.Errorf("undo calls: %+v", calls)
		}
	})
}

func TestCancelBeforeItRuns(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		h.click(alice, "run kill-new-checkout")
		run := h.onlyRun()
		if r := h.click(bob, "cancel "+run.ID); !r.Error {
			t.Fatalf("bob, neither requester nor allowed, cancelled: %s", replyText(r))
		}
		if r := h.click(alice, "cancel "+run.ID); r.Error {
			t.Fatalf("the requester could not cancel: %s", replyText(r))
		}
		if h.step() != 0 || h.onlyRun().Status != storage.RunCancelled || !h.onlyRun().CancelledBy.Same(alice) {
			t.Fatalf("run after cancel: %+v", h.onlyRun())
		}
		mustContain(t, "message", h.lastPosted("cancelled"), "🚫 *Kill switch: new checkout* — cancelled by <@slack:U1|alice> before it ran")
		// A cancelled run does not make the next click ask "Run again?".
		if r := h.click(alice, "run kill-new-checkout"); strings.Contains(replyText(r), "Run again") || r.Error {
			t.Errorf("click after a cancel: %s", replyText(r))
		}
	})
}

func TestTypedRunAsksToConfirm(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		r := h.typed(alice, "run rollback-checkout")
		mustContain(t, "typed run", replyText(r), "Roll back checkout to v41? This calls deploy now.", "[Run it → INC-1 run rollback-checkout]")
		if len(h.runs()) != 0 {
			t.Fatal("a typed run ran without confirmation")
		}
		// The unknown, and the action for another service.
		mustContain(t, "unknown", replyText(h.typed(alice, "run nope")), `There is no action "nope"`, "`rollback-checkout`")
		mustContain(t, "other service", replyText(h.typed(alice, "run page-payments")), "is for incidents of payments")
		if r := h.click(alice, "run rollback-checkout"); r.Error {
			t.Fatalf("confirmed run: %s", replyText(r))
		}
		if len(h.runs()) != 1 {
			t.Fatal("the confirmation did not start a run")
		}
	})
}

func TestFailureAndIndeterminateOutcomes(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		h.ints["deploy"].set(actions.Result{}, &actions.Error{System: "Argo CD", Status: 409, Msg: "auto-sync is on"})
		h.click(alice, "run rollback-checkout")
		h.step()
		run := h.onlyRun()
		if run.Status != storage.RunFailed || run.Error != "Argo CD answered 409: auto-sync is on" {
			t.Fatalf("failed run: %+v", run)
		}
		msg := h.lastPosted("failed after")
		mustContain(t, "failure", msg, "❌ *Roll back checkout to v41* failed after 0s: Argo CD answered 409: auto-sync is on",
			"[Run again → INC-1 confirm "+run.ID+"]")
		if strings.Contains(strings.Join(h.posted(), "\n"), "not the same as mitigation") {
			t.Error("a failure asked the mitigation question")
		}

		// An answer that leaves it open whether the change was made: unknown,
		// and a person is asked.
		h.ints["deploy"].set(actions.Result{}, &actions.Error{System: "Argo CD", Retryable: true, MayHaveRun: true,
			Msg: "no answer within 10s (timed out); the change may or may not have been made"})
		h.click(alice, "confirm "+run.ID)
		h.step()
		last := h.runs()[1]
		if last.Status != storage.RunUnknown {
			t.Fatalf("indeterminate run is %s", last.Status)
		}
		mustContain(t, "verify question", h.lastPosted("Did Roll back"), "*Did Roll back checkout to v41 take effect?*",
			"[It worked → INC-1 verify "+last.ID+" worked]", "[It failed → INC-1 verify "+last.ID+" failed]")
		if got := h.actionKinds(); got != "action_requested action_started action_failed action_requested action_started action_unknown" {
			t.Errorf("timeline: %s", got)
		}
	})
}

func TestInstrumentationDuringImpactIsFlagged(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		h.click(alice, "run debug-logging")
		h.step()
		h.typed(alice, "mitigated rolled back")
		h.click(alice, "confirm "+h.onlyRun().ID)
		h.step()
		var flagged []bool
		for _, e := range h.events() {
			if e.Kind == incident.KindActionStarted {
				flagged = append(flagged, e.Data["instrumentation_during_impact"] == true)
				if e.Data["instrumentation_during_impact"] == true && !strings.Contains(e.Text, "it does not stop the impact") {
					t.Errorf("flag text %q", e.Text)
				}
			}
		}
		if fmt.Sprint(flagged) != "[true false]" {
			t.Errorf("instrumentation flags %v: want the run during impact flagged, the one after not", flagged)
		}
		if strings.Contains(strings.Join(h.posted(), "\n"), "not the same as mitigation") {
			t.Error("instrumentation asked the mitigation question")
		}
	})
}

func TestStaleRequestIsNotRun(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		h.click(alice, "run rollback-checkout")
		h.clock.Advance(actions.DefaultStaleAfter + time.Minute) // the bot was down
		h.step()
		run := h.onlyRun()
		if run.Status != storage.RunCancelled || len(h.ints["deploy"].Calls()) != 0 {
			t.Fatalf("a run requested 16 minutes ago ran: %+v", run)
		}
		mustContain(t, "reason", run.Error, "it waited 16m to start")
	})
}
