package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// cardImpact is the Impact field of the last card update (or post).
func (h *harness) cardImpact(key string) (string, bot.Message) {
	h.t.Helper()
	var card bot.Message
	for _, d := range h.rec.Deliveries() {
		if (d.Op == "update" || d.Op == "post") && len(d.Message.Blocks) > 0 &&
			strings.Contains(d.Message.Blocks[0].Text.String(), key+":") {
			card = d.Message
		}
	}
	for _, b := range card.Blocks {
		for _, f := range b.Fields {
			if f.Label == "Impact" {
				return f.Value.String(), card
			}
		}
	}
	h.t.Fatalf("no card of %s with an Impact field", key)
	return "", card
}

// Issue #15: resolving an incident that was mitigated and then regressed
// said "impact was never marked mitigated", and the resolved card still
// showed "ongoing" as if it were now. Resolving with impact ongoing asks
// first; the confirmation is recorded; reply and card say what happened.
func TestResolveAfterRegressionAsksAndSaysTheTruth(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 Checkout errors")
		h.clock.Advance(10 * time.Minute)
		h.do(alice, ch, "mitigated rolled back")
		h.clock.Advance(10 * time.Minute) // 14:20
		h.do(bob, ch, "regressed errors are back")
		h.clock.Advance(10 * time.Minute)

		summary := "fixed the cache key; " + strings.Repeat("details of the fix ", 10)
		ask := h.do(alice, ch, "resolve "+summary)
		text := ask.Message.PlainText()
		for _, want := range []string{"regressed at 14:20", "not mitigated again", "resolve --ongoing"} {
			if !strings.Contains(text, want) {
				t.Errorf("the question lacks %q: %s", want, text)
			}
		}
		if strings.Contains(text, "never marked mitigated") {
			t.Errorf("the question says it was never mitigated: %s", text)
		}
		inc, _ := s.GetIncidentByKey(ctx, key)
		if !inc.Open() {
			t.Fatal("resolve with impact ongoing resolved without asking")
		}
		var confirm bot.Button
		for _, b := range ask.Message.AllButtons() {
			if strings.Contains(b.Label, "Resolve") {
				confirm = b
			}
		}
		if confirm.Command == "" || len(confirm.Command) > 100 || strings.Contains(confirm.Command, "cache") {
			t.Fatalf("confirm button %+v: want a short command that does not carry the summary", confirm)
		}

		// Someone who may not resolve cannot use the button either.
		if r := h.click(carol, ch, confirm.Command, "click-carol"); !r.Error || !strings.Contains(r.Message.Fallback, "may resolve") {
			t.Fatalf("carol's click: %s", r.Message.Fallback)
		}
		h.clock.Advance(time.Minute)
		done := h.click(alice, ch, confirm.Command, "click-alice")
		if done.Error || !strings.Contains(done.Message.PlainText(), "regressed at 14:20 UTC and was not mitigated again") {
			t.Fatalf("confirmed: %s", done.Message.PlainText())
		}
		h.drain()
		inc, _ = s.GetIncidentByKey(ctx, key)
		if inc.Open() || inc.Summary != strings.TrimSpace(summary) {
			t.Fatalf("after the confirmation: state %s summary %q", inc.State, inc.Summary)
		}
		evs := h.events(key)
		res := evs[len(evs)-1]
		if res.Kind != incident.KindResolved || res.Source != incident.SourceButton || res.Data["impact"] != "ongoing" ||
			res.Data["ongoing_confirmed_by"] != "slack:U1" {
			t.Fatalf("resolved event: %+v", res)
		}
		impact, card := h.cardImpact(key)
		if impact != "🔴 ongoing at resolution" {
			t.Errorf("resolved card's impact %q, want it to say ongoing at resolution", impact)
		}
		if all := strings.Join(blockTexts(card), "\n"); !strings.Contains(all, "regressed at 14:20") ||
			!strings.Contains(all, "ongoing at resolution") || strings.Contains(all, ", mitigated after") {
			t.Errorf("resolved card does not say it regressed and was not mitigated again:\n%s", all)
		}
		// The button works once.
		if r := h.click(alice, ch, confirm.Command, "click-again"); !r.Error {
			t.Errorf("a second click: %s", r.Message.Fallback)
		}
	})
}

// The typed confirmation resolves at once and is recorded as such.
func TestResolveOngoingTyped(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 Search slow")
		h.clock.Advance(30 * time.Minute)
		r := h.do(alice, ch, "resolve --ongoing index rebuilt; errors keep coming from a client bug")
		if r.Error || !strings.Contains(r.Message.PlainText(), "never mitigated") {
			t.Fatalf("resolve --ongoing: %s", r.Message.PlainText())
		}
		h.drain()
		evs := h.events(key)
		res := evs[len(evs)-1]
		if res.Kind != incident.KindResolved || res.Text != "index rebuilt; errors keep coming from a client bug" ||
			res.Data["impact"] != "ongoing" || res.Data["ongoing_confirmed_by"] != "slack:U1" {
			t.Fatalf("resolved event: %+v", res)
		}
		if impact, _ := h.cardImpact(key); impact != "🔴 ongoing at resolution" {
			t.Errorf("card impact %q", impact)
		}
	})
}

// With impact mitigated, resolve needs no confirmation, and --ongoing
// records nothing false.
func TestResolveMitigatedNeedsNoConfirmation(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 Search slow")
		h.do(alice, ch, "mitigated")
		if r := h.do(alice, ch, "resolve --ongoing done"); r.Error || !strings.Contains(r.Message.PlainText(), "Resolved "+key) {
			t.Fatalf("resolve: %s", r.Message.PlainText())
		}
		h.drain()
		evs := h.events(key)
		if res := evs[len(evs)-1]; res.Text != "done" || res.Data["impact"] != "mitigated" || res.Data["ongoing_confirmed_by"] != nil {
			t.Fatalf("resolved event: %+v", res)
		}
		if impact, _ := h.cardImpact(key); impact != "🟢 mitigated" {
			t.Errorf("card impact %q", impact)
		}
	})
}

func blockTexts(m bot.Message) []string {
	var out []string
	for _, b := range m.Blocks {
		out = append(out, b.Text.String())
	}
	return out
}
