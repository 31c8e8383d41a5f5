package actions_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/integrations/webhook"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// The escalation path of issue #14: a member who is neither lead nor
// declarer tries to make themselves lead (in the channel, then from another
// channel with the key) to get at an action allowed to the lead only. Both
// are refused, and the kill switch's endpoint is never called.
func TestNonMemberCannotBecomeLeadToRunALeadOnlyAction(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		var calls atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.WriteHeader(http.StatusOK)
		}))
		defer srv.Close()

		ints := map[string]config.Integration{"flags-hook": httpxtest.Integration(webhook.Type, map[string]any{"url": srv.URL + "/kill"}, nil)}
		acts := []config.Action{{ID: "kill-new-checkout", Title: "Kill switch: new checkout", Kind: config.KindKillSwitch,
			Integration: "flags-hook", Services: []string{"checkout"}, Allowed: []string{"lead"}, Confirm: yes(), Timeout: 30 * time.Second}}
		cat, err := actions.NewCatalog(acts, ints)
		if err != nil {
			t.Fatal(err)
		}
		hook, err := webhook.New("flags-hook", ints["flags-hook"])
		if err != nil {
			t.Fatal(err)
		}
		clk := clock.NewFake(t0)
		engine, runner := wire(t, s, clk, cat, bot.Options{Groups: groups}, map[string]actions.Integration{"flags-hook": hook}, nil)
		h := &harness{t: t, store: s, clock: clk, cat: cat, engine: engine, runner: runner, rec: bottest.NewRecorder("slack")}
		h.declare()

		r := h.typed(mallory, "lead <@U666>")
		if !r.Error {
			t.Fatalf("mallory made herself lead: %s", replyText(r))
		}
		mustContain(t, "refusal", replyText(r), "Only the lead or whoever declared it may name the lead of INC-1", "recorded on the timeline")

		lobby := incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
		r, err = engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: mallory, Text: "/incident INC-1 lead <@U666>"})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Error {
			t.Fatalf("mallory made herself lead from another channel: %s", replyText(r))
		}
		if lead := h.incident().Lead; !lead.Same(alice) {
			t.Fatalf("lead is %s, want alice", lead.Ref())
		}

		// Run, then the confirmation's "Run it".
		if r := h.typed(mallory, "run kill-new-checkout"); !r.Error {
			t.Fatalf("run: %s", replyText(r))
		}
		if r := h.click(mallory, "run kill-new-checkout"); !r.Error {
			t.Fatalf("confirm: %s", replyText(r))
		}
		clk.Advance(time.Second)
		h.step()
		if n := calls.Load(); n != 0 {
			t.Fatalf("the kill switch endpoint was called %d times", n)
		}
		if len(h.runs()) != 0 {
			t.Fatalf("runs: %+v", h.runs())
		}

		var denied []string
		for _, ev := range h.events() {
			if ev.Kind == incident.KindPermissionDenied || ev.Kind == incident.KindActionDenied {
				if !ev.Actor.Same(mallory) {
					t.Errorf("refusal recorded for %s", ev.Actor.Ref())
				}
				denied = append(denied, string(ev.Kind))
			}
		}
		if got := strings.Join(denied, " "); got != "permission_denied permission_denied action_denied action_denied" {
			t.Fatalf("refusals on the timeline: %s", got)
		}
		var steps []string
		for _, a := range h.audit() {
			if !a.Actor.Same(mallory) || a.Step != "denied" {
				t.Errorf("audit row %+v: want mallory's refusals only", a)
			}
			steps = append(steps, a.Action)
		}
		if got := strings.Join(steps, " "); got != "command.lead command.lead action.run action.run" {
			t.Fatalf("audit: %s", got)
		}
	})
}
