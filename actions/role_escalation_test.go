package actions_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// The escalation path through a configured role: the status page may be
// switched by whoever holds comms. A member without permission to hand out
// roles tries to make herself comms (in the channel, and from another
// channel with the key), then runs the action: every step is refused and
// the integration is never called. Once the lead names bob comms, bob's
// run goes through: the role, by immutable ID, is what allows it.
func TestNonMemberCannotBecomeCommsToRunACommsOnlyAction(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		acts := []config.Action{{ID: "status-page-degraded", Title: "Status page: degraded", Kind: config.KindCustom,
			Integration: "flags", Services: []string{"checkout"}, Allowed: []string{"role:comms"}, Confirm: yes(), Timeout: 30 * time.Second}}
		cat, err := actions.NewCatalog(acts, testIntegrations)
		if err != nil {
			t.Fatal(err)
		}
		clk := clock.NewFake(t0)
		flags := &fake{res: actions.Result{Summary: "status page set"}}
		engine, runner := wire(t, s, clk, cat, bot.Options{Groups: groups, Roles: []string{"comms", "scribe"}},
			map[string]actions.Integration{"flags": flags, "deploy": &fake{}}, nil)
		h := &harness{t: t, store: s, clock: clk, cat: cat, engine: engine, runner: runner, rec: bottest.NewRecorder("slack")}
		h.declare()

		r := h.typed(mallory, "role comms <@U666|carol>")
		if !r.Error {
			t.Fatalf("mallory made herself comms: %s", replyText(r))
		}
		mustContain(t, "refusal", replyText(r), "Only the lead or whoever declared it may give or take the comms role on INC-1", "recorded on the timeline")
		lobby := incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
		r, err = engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: mallory, Text: "/incident INC-1 role comms <@U666>"})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Error {
			t.Fatalf("mallory made herself comms from another channel: %s", replyText(r))
		}
		// Her display name is carol's; carol is in sre; neither makes her comms.
		if roles := h.incident().Roles; len(roles) != 0 {
			t.Fatalf("roles %v", roles)
		}
		if r := h.typed(mallory, "run status-page-degraded"); !r.Error {
			t.Fatalf("run: %s", replyText(r))
		}
		if r := h.click(mallory, "run status-page-degraded"); !r.Error {
			t.Fatalf("confirm: %s", replyText(r))
		}
		clk.Advance(time.Second)
		h.step()
		if n := len(flags.Calls()); n != 0 {
			t.Fatalf("the status page integration was called %d times", n)
		}
		if len(h.runs()) != 0 {
			t.Fatalf("runs: %+v", h.runs())
		}
		var steps []string
		for _, a := range h.audit() {
			if !a.Actor.Same(mallory) || a.Step != "denied" {
				t.Errorf("audit row %+v: want mallory's refusals only", a)
			}
			steps = append(steps, a.Action)
		}
		if got := strings.Join(steps, " "); got != "command.role command.role action.run action.run" {
			t.Fatalf("audit: %s", got)
		}

		// The lead names bob comms: his run is allowed and calls out once.
		if r := h.typed(alice, "role comms <@U2|bob>"); r.Error {
			t.Fatalf("alice naming bob comms: %s", replyText(r))
		}
		h.typed(bob, "run status-page-degraded")
		if r := h.click(bob, "run status-page-degraded"); r.Error {
			t.Fatalf("bob's run: %s", replyText(r))
		}
		clk.Advance(time.Second)
		h.step()
		if n := len(flags.Calls()); n != 1 {
			t.Fatalf("the integration was called %d times for comms, want 1", n)
		}
	})
}
