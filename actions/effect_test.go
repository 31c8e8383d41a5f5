package actions_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline"
)

// summaryOf is the template summary of the harness's incident, as the
// report and the postmortem draft write it.
func summaryOf(h *harness) string {
	x := timeline.Build(h.incident(), h.events(), h.clock.Now())
	return timeline.TemplateSummary(timeline.FactsOf(x, nil))
}

// TestNotYetThenTypedMitigation is the flow a responder reported: run a
// rollback, answer "Not yet" when asked whether it mitigated, then type
// what did. The timeline and the summary credit what the person said,
// never the rollback they said did not work.
func TestNotYetThenTypedMitigation(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		h.click(alice, "run rollback-checkout")
		h.clock.Advance(3 * time.Second)
		h.step()
		run := h.onlyRun()
		if r := h.click(bob, "effect "+run.ID+" no"); r.Error {
			t.Fatalf("Not yet: %s", replyText(r))
		}
		if h.incident().Impact != incident.ImpactOngoing {
			t.Fatal("Not yet mitigated the incident")
		}
		mustContain(t, "the question, answered", h.lastPosted("says: not yet"), "bob")
		if r := h.click(bob, "effect "+run.ID+" yes"); !r.Error {
			t.Errorf("a second answer to the same question was taken: %s", replyText(r))
		}
		h.clock.Advance(5 * time.Minute)
		if r := h.typed(bob, "mitigated scaled search replicas"); r.Error {
			t.Fatalf("mitigated: %s", replyText(r))
		}
		sum := summaryOf(h)
		if !strings.Contains(sum, "scaled search replicas") || strings.Contains(sum, "after running") {
			t.Errorf("summary credits the wrong thing:\n%s", sum)
		}
	})
}

// TestYesMitigatedCreditsTheRun: "Yes, mitigated" under the question
// after a rollback worked mitigates the incident and credits that run.
func TestYesMitigatedCreditsTheRun(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, testActions())
		h.declare()
		h.click(alice, "run rollback-checkout")
		h.clock.Advance(3 * time.Second)
		h.step()
		run := h.onlyRun()
		if r := h.click(bob, "effect "+run.ID+" yes"); r.Error {
			t.Fatalf("Yes, mitigated: %s", replyText(r))
		}
		inc := h.incident()
		if inc.Impact != incident.ImpactMitigated {
			t.Fatalf("impact %s after Yes, mitigated", inc.Impact)
		}
		var mit incident.Event
		for _, ev := range h.events() {
			if ev.Kind == incident.KindMitigated {
				mit = ev
			}
		}
		if mit.Data["run_id"] != run.ID || mit.Data["credited"] != true || !mit.Actor.Same(bob) {
			t.Errorf("mitigated event %+v: want it by bob, crediting run %s", mit, run.ID)
		}
		if sum := summaryOf(h); !strings.Contains(sum, "after running Roll back checkout to v41") {
			t.Errorf("summary does not credit the rollback bob confirmed:\n%s", sum)
		}
		if r := h.click(bob, "effect "+run.ID+" no"); !r.Error {
			t.Errorf("an answer after mitigation was taken: %s", replyText(r))
		}
	})
}
