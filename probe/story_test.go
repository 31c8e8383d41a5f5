package probe_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestProbeStory drives the whole story as people live it, on both
// stores: the probe sees impact that began before the declaration and
// offers that start; a "mitigated" while it still sees impact is
// challenged, and "Still impacting" regresses; once it is clear, a
// mitigation is verified after the hold; a new breach asks "Impact is
// back?" under the mitigation actions, and "Not related" silences it.
func TestProbeStory(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		f := newFakeProm(t, token)
		breachFrom := t0.Add(-12 * time.Minute)
		f.setHistory(func(at time.Time) (float64, bool) {
			if at.Before(breachFrom) {
				return 0.001, true
			}
			return 0.382, true
		})
		f.setValue(0.382)
		h := newHarness(t, s, clock.NewFake(t0), promProbe(f.srv.URL))
		inc, ch := h.declare("declare sev1 Checkout errors", "checkout")

		if n := h.sweep(); n != 1 {
			t.Fatalf("first sweep committed %d evaluations, want 1", n)
		}
		card := h.card(ch)
		if !strings.Contains(card, "checkout error ratio 38.2% — above 2% for 12m, impacting") {
			t.Errorf("card lacks the probe's line:\n%s", card)
		}
		evs := h.eventsOf(inc.Key, incident.KindProbeImpacting)
		if len(evs) != 1 || evs[0].Source != incident.SourceProbe || evs[0].Data["value"] != 0.382 ||
			!strings.HasPrefix(evs[0].Data["breach_since"].(string), "2026-03-01T13:48:00") {
			t.Fatalf("probe_impacting events = %+v", evs)
		}
		offer := h.lastPosted(ch, "saw the breach begin at 13:48 UTC, 12m before the declaration")
		start := button(t, offer.Message, "Set impact start to 13:48 UTC")

		// Someone says mitigated; the probe disagrees.
		h.do(alice, ch, "mitigated rolled back")
		challenge := h.lastPosted(ch, "The probe says customers are still impacted (checkout error ratio 38.2%)")
		if got := strings.Join(labels(challenge.Message), ","); got != "Still impacting,The probe is wrong" {
			t.Fatalf("challenge buttons = %s", got)
		}
		if cmd := button(t, challenge.Message, "Still impacting").Command; !strings.HasPrefix(cmd, inc.Key+" probe checkout-errors ") {
			t.Errorf("button command %q is not scoped to %s", cmd, inc.Key)
		}
		h.click(bob, ch, button(t, challenge.Message, "Still impacting"))
		if got := h.incident(inc.Key); got.Impact != incident.ImpactOngoing {
			t.Fatalf("after Still impacting, impact is %s", got.Impact)
		}
		reg := h.eventsOf(inc.Key, incident.KindRegressed)
		if len(reg) != 1 || reg[0].Actor != bob || reg[0].Source != incident.SourceButton || !strings.Contains(reg[0].Text, "checkout error ratio") {
			t.Fatalf("regressed = %+v", reg)
		}

		// The fix works; the probe clears; a mitigation now holds.
		f.setValue(0.001)
		h.advance(30 * time.Second)
		if got := kinds(h.eventsOf(inc.Key, incident.KindProbeImpacting, incident.KindProbeClear)); got != "probe_impacting/probe probe_clear/probe" {
			t.Fatalf("probe events = %s", got)
		}
		h.do(alice, ch, "mitigated flag off")
		if n := len(h.posted(ch, "The probe says customers are still impacted")); n != 1 {
			t.Errorf("%d challenges, want only the first", n)
		}
		for i := 0; i < 9; i++ {
			h.advance(30 * time.Second)
		}
		if v := h.eventsOf(inc.Key, incident.KindMitigationVerified); len(v) != 0 {
			t.Fatalf("verified after 4m30s of a 5m hold: %+v", v)
		}
		h.advance(30 * time.Second)
		v := h.eventsOf(inc.Key, incident.KindMitigationVerified)
		if len(v) != 1 || v[0].Source != incident.SourceProbe {
			t.Fatalf("mitigation_verified = %+v", v)
		}
		h.lastPosted(ch, "Mitigation verified: the probes stayed clear for 5m")
		h.advance(30 * time.Second)
		if n := len(h.eventsOf(inc.Key, incident.KindMitigationVerified)); n != 1 {
			t.Errorf("%d mitigation_verified events, want 1", n)
		}

		// It breaks again: a breach must last "for" before the probe asks.
		f.setValue(0.5)
		h.advance(30 * time.Second)
		if len(h.posted(ch, "Impact is back?")) != 0 {
			t.Fatal("asked before the breach lasted its for")
		}
		h.advance(30 * time.Second)
		if len(h.posted(ch, "Impact is back?")) != 0 {
			t.Fatal("asked before the breach lasted its for")
		}
		h.advance(30 * time.Second)
		back := h.lastPosted(ch, "Impact is back? checkout error ratio 50% — above 2% for 1m")
		if got := strings.Join(labels(back.Message), ","); got != "Regressed,Not related,Roll back checkout" {
			t.Fatalf("regression prompt buttons = %s", got)
		}
		if got := h.incident(inc.Key); got.Impact != incident.ImpactMitigated {
			t.Fatalf("impact changed without a click: %s", got.Impact)
		}
		h.click(bob, ch, button(t, back.Message, "Not related"))
		over := h.eventsOf(inc.Key, incident.KindProbeOverruled)
		if len(over) != 1 || over[0].Actor != bob || over[0].Data["answer"] != "unrelated" {
			t.Fatalf("probe_overruled = %+v", over)
		}
		h.advance(time.Minute)
		if n := len(h.posted(ch, "Impact is back?")); n != 1 {
			t.Errorf("asked %d times after Not related", n)
		}
		// Once that breach is over, the next one asks again.
		f.setValue(0.001)
		h.advance(30 * time.Second)
		f.setValue(0.5)
		h.advance(30 * time.Second)
		h.advance(30 * time.Second)
		h.advance(30 * time.Second)
		if n := len(h.posted(ch, "Impact is back?")); n != 2 {
			t.Errorf("asked %d times after a new breach, want 2", n)
		}

		// The offered impact start, clicked.
		if r := h.click(alice, ch, start); r.Error {
			t.Fatalf("impact start button: %s", r.Message.PlainText())
		}
		if got := h.incident(inc.Key).ImpactStartedAt; !got.Equal(breachFrom) {
			t.Errorf("impact start = %v, want %v", got, breachFrom)
		}
	})
}
