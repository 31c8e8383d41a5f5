package probe_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/probe"
	"github.com/tourniquet/tourniquet/storage"
)

var (
	t0    = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	bob   = incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}
	lobby = incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
)

// harness is one replica: an engine with the probes' commands, hook and
// panel, a worker, and a sender delivering to a recorder.
type harness struct {
	t      *testing.T
	store  storage.Store
	clock  *clock.Fake
	svc    *probe.Service
	engine *bot.Engine
	worker *probe.Worker
	sender *bot.Sender
	rec    *bottest.Recorder
}

func newHarness(t *testing.T, s storage.Store, clk *clock.Fake, probes ...config.Probe) *harness {
	t.Helper()
	h := &harness{t: t, store: s, clock: clk, rec: bottest.NewRecorder("slack")}
	svc, err := probe.New(probes, probe.Options{Store: s, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	h.engine = bottest.NewEngine(t, bot.Options{Store: s, Clock: clk,
		Commands: append(bot.Commands(), svc.Commands()...),
		Hooks:    []bot.Hook{svc},
		Panels:   []bot.Panel{svc},
		ActionsFor: func(*incident.Incident) []bot.ActionButton {
			return []bot.ActionButton{{ID: "rollback-checkout", Title: "Roll back checkout", Danger: true}}
		},
	})
	h.worker = svc.Worker(h.engine)
	h.sender = bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{h.rec}, MaxAttempts: 3})
	return h
}

func (h *harness) do(who incident.Actor, ch incident.ChannelRef, line string) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: who, Text: line})
	if err != nil {
		h.t.Fatalf("%q: %v", line, err)
	}
	h.drain()
	return r
}

func (h *harness) click(who incident.Actor, ch incident.ChannelRef, b bot.Button) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: who, Text: b.Command, Source: incident.SourceButton})
	if err != nil {
		h.t.Fatalf("click %q: %v", b.Command, err)
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

// sweep evaluates what is due and returns how many results committed.
func (h *harness) sweep() int {
	h.t.Helper()
	n, err := h.worker.Sweep(context.Background())
	if err != nil {
		h.t.Fatalf("Sweep: %v", err)
	}
	h.drain()
	return n
}

func (h *harness) advance(d time.Duration) int {
	h.t.Helper()
	h.clock.Advance(d)
	return h.sweep()
}

func (h *harness) declare(line string, services string) (*incident.Incident, incident.ChannelRef) {
	h.t.Helper()
	r := h.do(alice, lobby, line)
	if r.Error || r.IncidentKey == "" {
		h.t.Fatalf("declare: %+v", r)
	}
	inc := h.incident(r.IncidentKey)
	ch, _ := inc.ChannelOn("slack")
	if services != "" {
		if r := h.do(alice, ch, "services "+services); r.Error {
			h.t.Fatalf("services: %s", r.Message.PlainText())
		}
	}
	return h.incident(r.IncidentKey), ch
}

func (h *harness) incident(key string) *incident.Incident {
	h.t.Helper()
	inc, err := h.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

func (h *harness) eventsOf(key string, kinds ...incident.Kind) []incident.Event {
	h.t.Helper()
	evs, err := h.store.ListEvents(context.Background(), h.incident(key).ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []incident.Event
	for _, e := range evs {
		for _, k := range kinds {
			if e.Kind == k {
				out = append(out, e)
			}
		}
	}
	return out
}

// posted returns the messages posted to ch whose text contains s, oldest
// first.
func (h *harness) posted(ch incident.ChannelRef, s string) []bottest.Delivery {
	var out []bottest.Delivery
	for _, d := range h.rec.Ops("post") {
		if d.ChannelID == ch.ChannelID && strings.Contains(text(d.Message), s) {
			out = append(out, d)
		}
	}
	return out
}

// lastPosted is the latest message posted to ch containing s.
func (h *harness) lastPosted(ch incident.ChannelRef, s string) bottest.Delivery {
	h.t.Helper()
	ps := h.posted(ch, s)
	if len(ps) == 0 {
		h.t.Fatalf("nothing posted in %s contains %q; posted:\n%s", ch.ChannelID, s, h.allText(ch))
	}
	return ps[len(ps)-1]
}

func (h *harness) allText(ch incident.ChannelRef) string {
	var parts []string
	for _, d := range h.rec.Deliveries() {
		if d.ChannelID == ch.ChannelID {
			parts = append(parts, d.Op+": "+text(d.Message))
		}
	}
	return strings.Join(parts, "\n---\n")
}

// card is how the incident's card reads now.
func (h *harness) card(ch incident.ChannelRef) string {
	var last string
	for _, d := range h.rec.Deliveries() {
		if d.ChannelID == ch.ChannelID && (d.Op == "post" || d.Op == "update") && strings.Contains(text(d.Message), "Impact started: ") {
			last = text(d.Message)
		}
	}
	return last
}

func button(t *testing.T, m bot.Message, label string) bot.Button {
	t.Helper()
	for _, b := range m.AllButtons() {
		if b.Label == label {
			return b
		}
	}
	t.Fatalf("no %q button in %s", label, text(m))
	return bot.Button{}
}

func labels(m bot.Message) []string {
	var out []string
	for _, b := range m.AllButtons() {
		out = append(out, b.Label)
	}
	return out
}

// text is every text of m, one block per line.
func text(m bot.Message) string {
	var parts []string
	for _, b := range m.Blocks {
		if b.Text.Notation() != "" {
			parts = append(parts, b.Text.Notation())
		}
		for _, f := range b.Fields {
			parts = append(parts, f.Label+": "+f.Value.Notation())
		}
	}
	return strings.Join(parts, "\n")
}

func kinds(evs []incident.Event) string {
	var ks []string
	for _, e := range evs {
		ks = append(ks, string(e.Kind)+"/"+string(e.Source))
	}
	return strings.Join(ks, " ")
}
