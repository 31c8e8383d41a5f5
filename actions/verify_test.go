package actions_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// verifying is a fake integration whose effect shows after a few looks,
// advancing the clock by step at each look (the world moves on while the
// runner waits), or never, or whose check fails.
type verifying struct {
	fake
	mu          sync.Mutex
	clock       *clock.Fake
	step        time.Duration
	effectAfter int // looks before the effect shows; <0 never
	fail        error
	looks       int
	final       bool
}

func (v *verifying) Verify(_ context.Context, req actiontype.Request, res actiontype.Result) (actiontype.Effect, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.looks++
	v.clock.Advance(v.step)
	if v.fail != nil {
		return actiontype.Effect{}, v.fail
	}
	if v.effectAfter >= 0 && v.looks > v.effectAfter {
		return actiontype.Effect{Effective: true, Seen: "Synced and Healthy at revision " + req.Params["version"]}, nil
	}
	if v.final {
		return actiontype.Effect{Final: true, Seen: "workflow run concluded failure"}, nil
	}
	return actiontype.Effect{Seen: "Progressing (look " + string(rune('0'+v.looks)) + ")"}, nil
}

func newVerifyingHarness(t *testing.T, s storage.Store, v *verifying, timeout time.Duration) *harness {
	clk := clock.NewFake(t0)
	v.clock = clk
	v.res = actions.Result{Summary: "rolled back"}
	cat, err := actions.NewCatalog(testActions(), testIntegrations)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: s, clock: clk, cat: cat, rec: bottest.NewRecorder("slack"), ints: map[string]*fake{"deploy": &v.fake}}
	svc := actions.New(actions.Options{Catalog: cat, Groups: groups})
	h.engine = bottest.NewEngine(t, bot.Options{Store: s, Clock: clk, Groups: groups, ActionsFor: cat.Buttons,
		Commands: append(bot.Commands(), svc.Commands()...), Hooks: []bot.Hook{svc}})
	h.runner, err = actions.NewRunner(h.engine, actions.RunnerOptions{Store: s, Clock: clk, Catalog: cat,
		Integrations:  map[string]actions.Integration{"deploy": v, "flags": &fake{}},
		VerifyTimeout: timeout, VerifyFirst: time.Millisecond, VerifyLongest: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.sender = bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{h.rec}, MaxAttempts: 3})
	return h
}

func lastEvent(h *harness, kinds ...incident.Kind) incident.Event {
	var out incident.Event
	for _, e := range h.events() {
		for _, k := range kinds {
			if e.Kind == k {
				out = e
			}
		}
	}
	return out
}

// A rollback whose system reports Progressing twice and then Healthy is
// recorded as effective, with how long after the click.
func TestVerifiedEffect(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		v := &verifying{step: 40 * time.Second, effectAfter: 2}
		h := newVerifyingHarness(t, s, v, time.Minute)
		h.declare()
		h.click(alice, "run rollback-checkout")
		h.clock.Advance(10 * time.Second)
		h.step()
		if v.looks != 3 {
			t.Errorf("%d looks, want 3 (two Progressing, then Healthy)", v.looks)
		}
		e := lastEvent(h, incident.KindActionEffective, incident.KindActionIneffective)
		if e.Kind != incident.KindActionEffective || !strings.Contains(e.Text, "took effect 2m10s after the click: Synced and Healthy at revision v41") {
			t.Fatalf("effect event = %s %q", e.Kind, e.Text)
		}
		if e.Data["after_click_ms"] != float64(130000) && e.Data["after_click_ms"] != int64(130000) {
			t.Errorf("after_click_ms = %v", e.Data["after_click_ms"])
		}
		mustContain(t, "channel", h.lastPosted("took effect"), "Roll back checkout to v41* took effect 2m10s after the click")
	})
}

// A system that stays Progressing past the timeout is recorded as
// ineffective, with what was last seen; a check the integration cannot
// make is said as such, never as ineffective.
func TestIneffectiveAndUncheckedEffects(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		v := &verifying{effectAfter: -1}
		h := newVerifyingHarness(t, s, v, 50*time.Millisecond)
		h.declare()
		h.click(alice, "run rollback-checkout")
		h.step()
		e := lastEvent(h, incident.KindActionEffective, incident.KindActionIneffective)
		if e.Kind != incident.KindActionIneffective || !strings.Contains(e.Text, "did not take effect") || !strings.Contains(e.Text, "Progressing") {
			t.Fatalf("effect event = %s %q", e.Kind, e.Text)
		}
		if h.onlyRun().Status != storage.RunSucceeded {
			t.Errorf("the run's own outcome changed: %s", h.onlyRun().Status)
		}
		mustContain(t, "channel", h.lastPosted("did not take effect"), "reported success, but did not take effect")
	})
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		v := &verifying{fail: &actiontype.Error{System: "Argo CD", Status: 403, Msg: "permission denied"}}
		h := newVerifyingHarness(t, s, v, time.Minute)
		h.declare()
		h.click(alice, "run rollback-checkout")
		h.step()
		if v.looks != 1 {
			t.Errorf("%d looks after a 403, want 1", v.looks)
		}
		if e := lastEvent(h, incident.KindActionEffective, incident.KindActionIneffective); e.Kind != "" {
			t.Errorf("a check that failed was recorded as %s", e.Kind)
		}
		mustContain(t, "channel", h.lastPosted("could not check"), "Argo CD answered 403")
	})
}

// A final answer that is not the effect ends the watch at once.
func TestFinalIneffectiveStopsLooking(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		v := &verifying{effectAfter: -1, final: true}
		h := newVerifyingHarness(t, s, v, time.Hour)
		h.declare()
		h.click(alice, "run rollback-checkout")
		h.step()
		if v.looks != 1 {
			t.Errorf("%d looks after a final answer, want 1", v.looks)
		}
		if e := lastEvent(h, incident.KindActionEffective, incident.KindActionIneffective); e.Kind != incident.KindActionIneffective ||
			!strings.Contains(e.Text, "concluded failure") {
			t.Errorf("effect = %s %q", e.Kind, e.Text)
		}
	})
}
