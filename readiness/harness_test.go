package readiness_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/readiness"
	"github.com/tourniquet/tourniquet/storage"
)

var (
	t0    = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	bob   = incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}
	lobby = incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
)

// offered are the actions every incident of these tests is offered, in
// catalog order: the safe moves come last, so that putting them first is
// the sweeper's doing.
func offered(*incident.Incident) []bot.ActionButton {
	return []bot.ActionButton{
		{ID: "scale-up", Title: "Scale up checkout"},
		{ID: "rollback-checkout", Title: "Roll back checkout", Danger: true},
		{ID: "kill-new-checkout", Title: "Kill switch: new checkout", Danger: true},
	}
}

// replica is one process: an engine with the readiness hook and a
// deadline sweeper, on a shared store and clock.
type replica struct {
	engine  *bot.Engine
	sweeper *readiness.DeadlineSweeper
}

type harness struct {
	t        *testing.T
	store    storage.Store
	clock    *clock.Fake
	rec      *bottest.Recorder
	sender   *bot.Sender
	replicas []replica
}

func newHarness(t *testing.T, s storage.Store, replicas int) *harness {
	t.Helper()
	h := &harness{t: t, store: s, clock: clock.NewFake(t0), rec: bottest.NewRecorder("slack")}
	h.sender = bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{h.rec}, MaxAttempts: 3})
	for range replicas {
		e := bottest.NewEngine(t, bot.Options{Store: s, Clock: h.clock, Commands: append(bot.Commands(), readiness.Commands()...),
			Hooks: []bot.Hook{readiness.Hook{}}, ActionsFor: offered, Panels: []bot.Panel{bot.PanelFunc(readiness.Panel)}})
		sw, err := readiness.NewDeadlineSweeper(e, readiness.DeadlineOptions{Store: s, Clock: h.clock})
		if err != nil {
			t.Fatal(err)
		}
		h.replicas = append(h.replicas, replica{engine: e, sweeper: sw})
	}
	return h
}

func (h *harness) do(who incident.Actor, ch incident.ChannelRef, line string) bot.Reply {
	h.t.Helper()
	r, err := h.replicas[0].engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: who, Text: line})
	if err != nil {
		h.t.Fatalf("%q: %v", line, err)
	}
	h.drain()
	return r
}

func (h *harness) drain() {
	h.t.Helper()
	if err := h.sender.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) declare(who incident.Actor, line string) (*incident.Incident, incident.ChannelRef) {
	h.t.Helper()
	r := h.do(who, lobby, line)
	if r.Error || r.IncidentKey == "" {
		h.t.Fatalf("declare: %+v", r)
	}
	inc := h.incident(r.IncidentKey)
	ch, ok := inc.ChannelOn("slack")
	if !ok {
		h.t.Fatalf("%s has no channel", inc.Key)
	}
	return inc, ch
}

func (h *harness) incident(key string) *incident.Incident {
	h.t.Helper()
	inc, err := h.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

func (h *harness) eventsOf(key string, kind incident.Kind) []incident.Event {
	h.t.Helper()
	evs, err := h.store.ListEvents(context.Background(), h.incident(key).ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []incident.Event
	for _, ev := range evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// posts are the messages posted so far whose fallback contains s.
func (h *harness) posts(contains string) []bot.Message { return h.sent("post", contains) }

func containsText(m bot.Message, s string) bool { return strings.Contains(allText(m), s) }

// allText is every word of m: its fallback and every text block.
func allText(m bot.Message) string {
	parts := []string{m.Fallback}
	for _, b := range m.Blocks {
		parts = append(parts, b.Text.String())
	}
	return strings.Join(parts, "\n")
}

// updates are the message updates so far whose text contains s.
func (h *harness) updates(contains string) []bot.Message { return h.sent("update", contains) }

// sent are the messages of op ("post", "update") so far whose text
// contains s.
func (h *harness) sent(op, contains string) []bot.Message {
	var out []bot.Message
	for _, d := range h.rec.Ops(op) {
		if containsText(d.Message, contains) {
			out = append(out, d.Message)
		}
	}
	return out
}
