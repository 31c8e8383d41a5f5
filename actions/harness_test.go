package actions_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

var (
	t0      = time.Date(2026, 3, 1, 14, 32, 0, 0, time.UTC)
	alice   = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	bob     = incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}
	carol   = incident.Actor{Platform: "slack", ID: "U3", Name: "carol"}
	mallory = incident.Actor{Platform: "slack", ID: "U666", Name: "carol"} // carol's display name, not her ID
	channel = incident.ChannelRef{Platform: "slack", ChannelID: "CINC"}
	groups  = incident.Groups{"sre": {"slack:U3"}}
)

func yes() *bool { b := true; return &b }

// testActions is the catalog most tests use.
func testActions() []config.Action {
	return []config.Action{
		{ID: "rollback-checkout", Title: "Roll back checkout to v41", Kind: config.KindRollback, Integration: "deploy",
			Params:   map[string]string{"service": "checkout", "version": "v41", "api_token": "hunter2-param-secret"},
			Services: []string{"checkout"}, Allowed: []string{"lead", "group:sre"}, Confirm: yes(), Timeout: 30 * time.Second},
		{ID: "debug-logging", Title: "Debug logging on checkout", Kind: config.KindInstrumentation, Integration: "deploy",
			Allowed: []string{"lead", "group:sre"}, Confirm: yes(), Timeout: 30 * time.Second},
		{ID: "kill-new-checkout", Title: "Kill switch: new checkout", Kind: config.KindKillSwitch, Integration: "flags",
			Params: map[string]string{"flag": "new-checkout"}, Allowed: []string{"lead", "group:sre"}, Confirm: yes(),
			Approval: true, Timeout: 30 * time.Second, Undo: "restore-new-checkout"},
		{ID: "restore-new-checkout", Title: "Turn new checkout back on", Kind: config.KindCustom, Integration: "flags",
			Params: map[string]string{"flag": "new-checkout"}, Allowed: []string{"lead", "group:sre"}, Confirm: yes(), Timeout: 30 * time.Second},
		{ID: "page-payments", Title: "Page the payments team", Kind: config.KindCustom, Services: []string{"payments"},
			Allowed: []string{"lead"}},
	}
}

var testIntegrations = map[string]config.Integration{"deploy": {Type: "fake"}, "flags": {Type: "fake"}}

// fake is an Integration that counts its calls and answers as told.
type fake struct {
	mu    sync.Mutex
	calls []actions.Request
	res   actions.Result
	err   error
	// block, when set, holds every call until it is closed or the call's
	// context ends; started is signalled when a call begins.
	block   chan struct{}
	started chan struct{}
}

func (f *fake) Run(ctx context.Context, req actions.Request) (actions.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	block, started := f.block, f.started
	f.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return actions.Result{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.res, f.err
}

func (f *fake) Calls() []actions.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]actions.Request(nil), f.calls...)
}

func (f *fake) set(res actions.Result, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.res, f.err = res, err
}

// harness is one replica: an engine with the actions wired in, a runner,
// a sender delivering to a recorder, all on one store and a fake clock.
type harness struct {
	t      testing.TB
	store  storage.Store
	clock  *clock.Fake
	cat    *actions.Catalog
	engine *bot.Engine
	runner *actions.Runner
	sender *bot.Sender
	rec    *bottest.Recorder
	ints   map[string]*fake
	// outcomes are the runs the runner reported to its metrics
	// (RunnerOptions.OnOutcome), as "kind outcome".
	outcomes *outcomeLog
}

// outcomeLog records what a runner reports to its metrics.
type outcomeLog struct {
	mu   sync.Mutex
	runs []string
}

func (l *outcomeLog) record(_, kind, outcome string, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs = append(l.runs, kind+" "+outcome)
}

func (l *outcomeLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.runs)
}

func newHarness(t *testing.T, s storage.Store, acts []config.Action) *harness {
	t.Helper()
	return newReplica(t, s, clock.NewFake(t0), acts, testIntegrations, nil)
}

// newReplica builds a replica; redact, when not nil, is the engine's
// Options.Redact.
func newReplica(t testing.TB, s storage.Store, clk *clock.Fake, acts []config.Action, ints map[string]config.Integration, redact func(string) string) *harness {
	t.Helper()
	cat, err := actions.NewCatalog(acts, ints)
	if err != nil {
		t.Fatalf("NewCatalog: %v", err)
	}
	h := &harness{t: t, store: s, clock: clk, cat: cat, rec: bottest.NewRecorder("slack"), ints: map[string]*fake{}, outcomes: &outcomeLog{}}
	integrations := map[string]actions.Integration{}
	for name := range ints {
		h.ints[name] = &fake{res: actions.Result{Summary: name + " did it", URL: "https://" + name + ".example/runs/1"}}
		integrations[name] = h.ints[name]
	}
	h.engine, h.runner = wire(t, s, clk, cat, bot.Options{Groups: groups, Redact: redact}, integrations, h.outcomes.record)
	h.sender = bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{h.rec}, MaxAttempts: 3})
	return h
}

// wire builds what cmd/internal/app builds: the command side of actions,
// the engine with the built-in commands and the actions' (and their hook),
// and the runner that records through the engine, woken by the commands.
// onOutcome, which may be nil, is the runner's metrics callback.
func wire(t testing.TB, s storage.Store, clk *clock.Fake, cat *actions.Catalog, eo bot.Options, ints map[string]actions.Integration, onOutcome actions.OutcomeFunc) (*bot.Engine, *actions.Runner) {
	t.Helper()
	wake := actions.NewWakeup()
	svc := actions.New(actions.Options{Catalog: cat, Groups: groups, Wake: wake.Wake})
	eo.Store, eo.Clock, eo.ActionsFor = s, clk, cat.Buttons
	eo.Commands = append(bot.Commands(), svc.Commands()...)
	eo.Hooks = []bot.Hook{svc}
	engine := bottest.NewEngine(t, eo)
	runner, err := actions.NewRunner(engine, actions.RunnerOptions{Store: s, Clock: clk, Catalog: cat, Integrations: ints, Wakeup: wake, OnOutcome: onOutcome})
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	return engine, runner
}

// replica is another process on the same store and clock (a restart).
func (h *harness) replica(acts []config.Action) *harness {
	return newReplica(h.t, h.store, h.clock, acts, testIntegrations, nil)
}

func (h *harness) handle(who incident.Actor, line string, src incident.Source) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: channel, Actor: who, Text: line, Source: src})
	if err != nil {
		h.t.Fatalf("%q: %v", line, err)
	}
	return r
}

// click presses a button; typed types a command.
func (h *harness) click(who incident.Actor, line string) bot.Reply {
	h.t.Helper()
	return h.handle(who, line, incident.SourceButton)
}

func (h *harness) typed(who incident.Actor, line string) bot.Reply {
	h.t.Helper()
	return h.handle(who, line, incident.SourceTyped)
}

// declare opens INC-1 in the test channel, naming checkout.
func (h *harness) declare() *incident.Incident {
	h.t.Helper()
	if r := h.typed(alice, "declare here sev1 Checkout errors"); r.Error {
		h.t.Fatalf("declare: %s", replyText(r))
	}
	if r := h.typed(alice, "services checkout"); r.Error {
		h.t.Fatalf("services: %s", replyText(r))
	}
	return h.incident()
}

func (h *harness) incident() *incident.Incident {
	h.t.Helper()
	inc, err := h.store.GetIncidentByKey(context.Background(), "INC-1")
	if err != nil {
		h.t.Fatal(err)
	}
	return inc
}

func (h *harness) step() int {
	h.t.Helper()
	n, err := h.runner.Step(context.Background())
	if err != nil {
		h.t.Fatalf("Step: %v", err)
	}
	return n
}

func (h *harness) drain() {
	h.t.Helper()
	if err := h.sender.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) runs() []storage.ActionRun {
	h.t.Helper()
	rs, err := h.store.ListActionRuns(context.Background(), h.incident().ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return rs
}

func (h *harness) onlyRun() storage.ActionRun {
	h.t.Helper()
	rs := h.runs()
	if len(rs) != 1 {
		h.t.Fatalf("%d runs, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}

func (h *harness) events() []incident.Event {
	h.t.Helper()
	evs, err := h.store.ListEvents(context.Background(), h.incident().ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

// actionKinds lists the action_* events in order.
func (h *harness) actionKinds() string {
	var ks []string
	for _, e := range h.events() {
		if strings.HasPrefix(string(e.Kind), "action_") {
			ks = append(ks, string(e.Kind))
		}
	}
	return strings.Join(ks, " ")
}

func (h *harness) audit() []storage.AuditEntry {
	h.t.Helper()
	rows, err := h.store.ListAudit(context.Background(), storage.AuditFilter{IncidentID: h.incident().ID})
	if err != nil {
		h.t.Fatal(err)
	}
	return rows
}

func (h *harness) auditSteps() string {
	var ss []string
	for _, a := range h.audit() {
		ss = append(ss, a.Step+":"+a.Outcome)
	}
	return strings.Join(ss, " ")
}

// messageText flattens a message: its blocks' text and its buttons as
// [label → command].
func messageText(m bot.Message) string {
	var b strings.Builder
	for _, bl := range m.Blocks {
		if bl.Text.Notation() != "" {
			b.WriteString(bl.Text.Notation() + "\n")
		}
		for _, f := range bl.Fields {
			b.WriteString(f.Label + ": " + f.Value.Notation() + "\n")
		}
		for _, bt := range bl.Buttons {
			b.WriteString("[" + bt.Label + " → " + bt.Command + "]\n")
		}
	}
	return b.String()
}

func replyText(r bot.Reply) string { return messageText(r.Message) }

// posted returns the text of every message delivered (posts and updates)
// since the test began, in order.
func (h *harness) posted() []string {
	h.t.Helper()
	h.drain()
	var out []string
	for _, d := range h.rec.Deliveries() {
		if d.Op == "post" || d.Op == "update" {
			out = append(out, d.Op+": "+messageText(d.Message))
		}
	}
	return out
}

// lastPosted returns the last delivered message containing want.
func (h *harness) lastPosted(want string) string {
	h.t.Helper()
	ps := h.posted()
	for i := len(ps) - 1; i >= 0; i-- {
		if strings.Contains(ps[i], want) {
			return ps[i]
		}
	}
	h.t.Fatalf("no message contains %q; delivered:\n%s", want, strings.Join(ps, "\n---\n"))
	return ""
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, text)
		}
	}
}
