package checkin_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// t0 is a Sunday, 14:00 UTC.
var (
	t0    = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	bob   = incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}
	lobby = incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
)

// defaults is the check-in configuration of config.Load's defaults.
func defaults() config.Checkins {
	return config.Checkins{
		Cadence:          config.Cadence{Sev1: "@every 10m", Sev2: "@every 15m", Sev3: "@every 30m", Sev4: "@every 1h"},
		DiagnosisCadence: "@every 30m",
		EscalateAfter:    2,
	}
}

type harness struct {
	t      *testing.T
	store  storage.Store
	clock  *clock.Fake
	engine *bot.Engine
	sched  *checkin.Sweeper
	sender *bot.Sender
	rec    *bottest.Recorder
	counts *counts
	cfg    config.Checkins
	opts   checkin.Options
	eopts  bot.Options
}

func newHarness(t *testing.T, s storage.Store, cfg config.Checkins, o checkin.Options, eo bot.Options) *harness {
	t.Helper()
	h := &harness{t: t, store: s, clock: clock.NewFake(t0), rec: bottest.NewRecorder("slack"), counts: &counts{n: map[string]int{}}, cfg: cfg, opts: o, eopts: eo}
	h.sender = bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{h.rec}, MaxAttempts: 3})
	h.start()
	return h
}

// counts are what the scheduler reported through its callbacks, as
// cmd/internal/app counts them in Prometheus: "sent", "late",
// "escalated:<level>", "answered:<answer>".
type counts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counts) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[key]++
}

func (c *counts) sent(x checkin.Sent) {
	c.add("sent")
	if x.Late {
		c.add("late")
	}
	if x.Escalated > 0 {
		c.add("escalated:" + checkin.LevelName(x.Escalated))
	}
}

func (c *counts) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// start builds a fresh engine and scheduler on the harness's store, as a
// process (re)starting would.
func (h *harness) start() {
	h.t.Helper()
	o := h.opts
	o.Store, o.Clock = h.store, h.clock
	onSent, onAnswered := o.OnSent, o.OnAnswered
	o.OnSent = func(x checkin.Sent) {
		h.counts.sent(x)
		if onSent != nil {
			onSent(x)
		}
	}
	o.OnAnswered = func(answer string) {
		h.counts.add("answered:" + answer)
		if onAnswered != nil {
			onAnswered(answer)
		}
	}
	sched, err := checkin.New(h.cfg, o)
	if err != nil {
		h.t.Fatalf("checkin.New: %v", err)
	}
	eo := h.eopts
	eo.Store, eo.Clock = h.store, h.clock
	eo.Commands = append(bot.Commands(), sched.Commands()...)
	eo.Hooks = []bot.Hook{sched}
	h.engine = bottest.NewEngine(h.t, eo)
	h.sched = sched.Sweeper(h.engine)
}

func (h *harness) invoke(inv bot.Invocation) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), inv)
	if err != nil {
		h.t.Fatalf("%q: %v", inv.Text, err)
	}
	return r
}

// do types a command.
func (h *harness) do(who incident.Actor, ch incident.ChannelRef, line string) bot.Reply {
	h.t.Helper()
	return h.invoke(bot.Invocation{Channel: ch, Actor: who, Text: line})
}

// click presses a button.
func (h *harness) click(who incident.Actor, ch incident.ChannelRef, b bot.Button) bot.Reply {
	h.t.Helper()
	return h.invoke(bot.Invocation{Channel: ch, Actor: who, Text: b.Command, Source: incident.SourceButton})
}

// sweep runs one sweep and returns how many check-ins it sent.
func (h *harness) sweep() int {
	h.t.Helper()
	n, err := h.sched.Sweep(context.Background())
	if err != nil {
		h.t.Fatalf("Sweep: %v", err)
	}
	h.drain()
	return n
}

func (h *harness) drain() {
	h.t.Helper()
	if err := h.sender.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// advance moves the clock and sweeps, returning how many were sent.
func (h *harness) advance(d time.Duration) int {
	h.t.Helper()
	h.clock.Advance(d)
	return h.sweep()
}

// declare opens an incident in a new channel.
func (h *harness) declare(who incident.Actor, line string) (*incident.Incident, incident.ChannelRef) {
	h.t.Helper()
	r := h.do(who, lobby, line)
	if r.Error || r.IncidentKey == "" {
		h.t.Fatalf("declare: %+v", r)
	}
	h.drain()
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

func (h *harness) events(key string) []incident.Event {
	h.t.Helper()
	evs, err := h.store.ListEvents(context.Background(), h.incident(key).ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

// eventsOf returns the events of kind.
func (h *harness) eventsOf(key string, kind incident.Kind) []incident.Event {
	var out []incident.Event
	for _, e := range h.events(key) {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (h *harness) checkin(key string) storage.Checkin {
	h.t.Helper()
	c, err := h.store.GetCheckin(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// checkins returns the posted check-in messages in the channel, oldest
// first (any header starting with "Check-in" or "Diagnosis check-in").
func (h *harness) checkins(ch incident.ChannelRef) []bottest.Delivery {
	var out []bottest.Delivery
	for _, d := range h.rec.Ops("post") {
		if d.ChannelID != ch.ChannelID || len(d.Message.Blocks) == 0 {
			continue
		}
		if hd := d.Message.Blocks[0].Text.String(); strings.HasPrefix(hd, "Check-in #") || strings.HasPrefix(hd, "Diagnosis check-in #") {
			out = append(out, d)
		}
	}
	return out
}

// lastCheckin is the latest check-in message posted in ch.
func (h *harness) lastCheckin(ch incident.ChannelRef) bottest.Delivery {
	h.t.Helper()
	cs := h.checkins(ch)
	if len(cs) == 0 {
		h.t.Fatalf("no check-in posted in %s", ch.ChannelID)
	}
	return cs[len(cs)-1]
}

// updatesOf returns the updates of the message posted as d, oldest first.
func (h *harness) updatesOf(d bottest.Delivery) []bot.Message {
	var out []bot.Message
	for _, u := range h.rec.Ops("update") {
		if u.ChannelID == d.ChannelID && u.MessageID == d.MessageID {
			out = append(out, u.Message)
		}
	}
	return out
}

// current is how the message posted as d looks now.
func (h *harness) current(d bottest.Delivery) bot.Message {
	if us := h.updatesOf(d); len(us) > 0 {
		return us[len(us)-1]
	}
	return d.Message
}

// button finds a button of m by label.
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

// announcements returns the plain lines posted to ch (no header).
func (h *harness) announcements(ch incident.ChannelRef) []string {
	var out []string
	for _, d := range h.rec.Ops("post") {
		if d.ChannelID == ch.ChannelID && len(d.Message.Blocks) == 1 && d.Message.Blocks[0].Kind == bot.BlockText {
			out = append(out, d.Message.Blocks[0].Text.Notation())
		}
	}
	return out
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}
