package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/goldenfile"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

var alice = incident.Actor{Platform: Platform, ID: "alice", Name: "alice"}

// twoActions offers two danger actions with confirmations for every incident.
func twoActions(*incident.Incident) []bot.ActionButton {
	return []bot.ActionButton{
		{ID: "rollback-checkout", Title: "Roll back checkout", Danger: true, Confirm: "Roll checkout back to the previous release?"},
		{ID: "kill-new-checkout", Title: "Kill switch: new checkout", Danger: true, Confirm: "Turn the new checkout flow off for everyone?"},
	}
}

// harness is a console session on a real engine, sender and SQLite store.
// Every flush moves the fake clock one minute on, so the clocks tick
// deterministically between commands.
type harness struct {
	t      *testing.T
	store  storage.Store
	clk    *clock.Fake
	engine *bot.Engine
	sender *bot.Sender
	a      *Adapter
	out    *bottest.Buffer
}

func newHarness(t *testing.T, opts bot.Options) *harness {
	t.Helper()
	return newHarnessWith(t, opts, Options{Echo: true})
}

// newHarnessWith is newHarness with the adapter's options: o.Out (default
// a buffer), o.History, o.Echo and o.Color are used as given.
func newHarnessWith(t *testing.T, opts bot.Options, o Options) *harness {
	t.Helper()
	h := &harness{t: t, store: storagetest.NewSQLite(t), clk: clock.NewFake(t0), out: &bottest.Buffer{}}
	opts.Store, opts.Clock = h.store, h.clk
	opts.Commands = append(append(bot.Commands(), bottest.Timeline()), opts.Commands...)
	h.engine = bottest.NewEngine(t, opts)
	o.Engine, o.Store, o.User = h.engine, h.store, alice
	if o.Out == nil {
		o.Out = h.out
	}
	o.Flush = func(ctx context.Context) error {
		err := h.sender.Drain(ctx)
		h.clk.Advance(time.Minute)
		return err
	}
	h.a = New(o)
	h.sender = bot.NewSender(bot.SenderOptions{Store: h.store, Deliverers: []bot.Deliverer{h.a}, Clock: h.clk})
	return h
}

// run feeds script to the session and returns what it printed.
func (h *harness) run(script string) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := len(h.out.String())
	if err := h.a.Run(ctx, strings.NewReader(strings.TrimLeft(script, "\n"))); err != nil {
		h.t.Fatalf("Run: %v", err)
	}
	return h.out.String()[start:]
}

// events returns the timeline of an incident as "kind/source" strings.
func (h *harness) events(key string) []string {
	h.t.Helper()
	ctx := context.Background()
	inc, err := h.store.GetIncidentByKey(ctx, key)
	if err != nil {
		h.t.Fatalf("get %s: %v", key, err)
	}
	evs, err := h.store.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil {
		h.t.Fatalf("list events: %v", err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, fmt.Sprintf("%s/%s/%s", ev.Kind, ev.Source, ev.Actor.Ref()))
	}
	return out
}

// cardOf returns the latest version of the pinned card of a channel.
func (h *harness) cardOf(ch string) bot.Message {
	h.t.Helper()
	h.a.mu.Lock()
	defer h.a.mu.Unlock()
	c := h.a.channelLocked(ch)
	if c == nil || h.a.msgs[c.card] == nil {
		h.t.Fatalf("no card in %s", ch)
	}
	return h.a.msgs[c.card].msg
}

func wantContains(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q; output:\n%s", w, got)
		}
	}
}

func wantEvents(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Assert(t, name+".golden", got)
}

func TestSessionFlow(t *testing.T) {
	h := newHarness(t, bot.Options{ActionsFor: twoActions})
	out := h.run(`
/incident declare sev2 Checkout errors
/incident update Rolling back the 10:02 deploy
1
/incident diagnosed Bad connection pool size in release 412
/incident resolve Pool size reverted and pinned
/incident timeline
`)
	golden(t, "session", out)

	wantContains(t, out,
		"lobby> /incident declare sev2 Checkout errors",
		"(only you) 🚨 Declared INC-1 (SEV2): Checkout errors.",
		"── #inc-1-checkout-errors opened for INC-1 ──",
		"INC-1> /incident update", // the session moved into the new channel
		"[1] Yes, mitigated  [2] Show actions  [3] Timeline",
		"[4] Roll back checkout!  [5] Kill switch: new checkout!",
		"↻ SEV2 INC-1: Checkout errors",                 // compact card update
		"clicked [1] Yes, mitigated",                    // the click
		"✅ Customer impact mitigated, says @alice.",     // announced in the channel
		"[6] Impact is back!  [7] Timeline",             // new buttons, new numbers
		"🔎 Cause identified by @alice",                  // diagnosis
		"Resolved INC-1. impact 2m, mitigated after 2m", // resolution reply
		"Timeline of INC-1: Checkout errors",
		"› ⏱ impact 2m, mitigated after 2m · cause identified after 3m",
	)
	if strings.Count(out, "[1] Yes, mitigated  [2]") != 1 {
		t.Errorf("the card was printed again although its buttons did not change:\n%s", out)
	}
	wantEvents(t, h.events("INC-1"),
		"declared/typed/console:alice",
		"status_update/typed/console:alice",
		"mitigated/button/console:alice",
		"diagnosed/typed/console:alice",
		"resolved/typed/console:alice",
	)
	inc, err := h.store.GetIncidentByKey(context.Background(), "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if ch, ok := inc.ChannelOn(Platform); !ok || ch.ChannelID != "INC-1" {
		t.Errorf("channel of INC-1 = %+v, want console:INC-1", inc.Channels)
	}
	if got := h.a.Channel(); got != "INC-1" {
		t.Errorf("current channel = %q, want INC-1", got)
	}
}

func TestBadCommands(t *testing.T) {
	h := newHarness(t, bot.Options{})
	out := h.run(`
/incident update nothing to update yet
/incident declare sev2 Checkout errors
/incident sev 9
/incident frobnicate now
/incident diagnosed
hello there

42
`)
	wantContains(t, out,
		"lobby> /incident update nothing to update yet\n(only you) ⚠️ This channel belongs to no incident.",
		"INC-1> /incident sev 9\n(only you) ⚠️ \"9\" is not a severity: use 1, 2, 3 or 4 (sev1 is the worst)\n           Usage: `/incident sev <1-4>`",
		"(only you) ⚠️ unknown command \"frobnicate\"\n           Usage: `/incident help`",
		"(only you) ⚠️ say what the cause is\n           Usage: `/incident diagnosed <cause>`",
		"INC-1> hello there\nNot a command here. Type /incident help",
		"INC-1> 42\nThere is no button [42].",
	)
	if strings.Contains(out, "INC-1> \nINC-1> \n") {
		t.Errorf("a blank line printed something:\n%s", out)
	}
	wantEvents(t, h.events("INC-1"), "declared/typed/console:alice")
}

func TestConfirmPermissionsAndJoin(t *testing.T) {
	h := newHarness(t, bot.Options{})
	// Buttons: card 1-3; after mitigation 4 (Impact is back, confirmed) and
	// 5; after the regression 6-8.
	out := h.run(`
/incident declare sev1 Payments down
1
4
n
4
yes
2
/as bob
/incident resolve
/incident note bob was here
/as alice
/incident timeline
/join lobby
/incident declare sev3 Search slow
/channels
/join INC-1
/incident status
/join #inc-2-search-slow
/join INC-9
/quit
/incident note never read
`)
	golden(t, "confirm", out)
	wantContains(t, out,
		"INC-1> 4\nImpact is back? This reopens the impact clock and restarts the mitigation check-ins. [y/N] n\nNot clicked: [4] Impact is back.",
		"[y/N] yes\nclicked [4] Impact is back",
		"🔴 Customer impact is back, says @alice",
		"INC-1> 2\nButton [2] is gone: its message was updated.",
		"bob@INC-1> /incident resolve\n(only you) ⚠️ Only the lead or whoever declared it may resolve INC-1. This refusal is recorded on the timeline.",
		"⛔ refused: bob may not resolve INC-1",
		"── #inc-2-search-slow opened for INC-2 ──",
		"  lobby\n  INC-1   #inc-1-payments-down\n* INC-2   #inc-2-search-slow",
		"You are in #inc-1-payments-down (INC-1).",
		"INC-1> /incident status\n(only you) SEV1 INC-1: Payments down",
		"You are in #inc-2-search-slow (INC-2).",
		"There is no channel \"INC-9\" here.",
	)
	if strings.Contains(out, "never read") {
		t.Errorf("input after /quit was read:\n%s", out)
	}
	wantEvents(t, h.events("INC-1"),
		"declared/typed/console:alice",
		"mitigated/button/console:alice",
		"regressed/button/console:alice",
		"permission_denied/typed/console:bob",
		"note/typed/console:bob",
	)
	inc, err := h.store.GetIncidentByKey(context.Background(), "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if !inc.Open() {
		t.Error("bob resolved INC-1")
	}
	if got := h.a.Channel(); got != "INC-2" {
		t.Errorf("current channel = %q, want INC-2", got)
	}
}

func TestConfirmAtEndOfInput(t *testing.T) {
	h := newHarness(t, bot.Options{})
	h.run("/incident declare sev1 Payments down\n1\n")
	out := h.run("4\n")
	wantContains(t, out, "[y/N] \n")
	wantEvents(t, h.events("INC-1"), "declared/typed/console:alice", "mitigated/button/console:alice")
}

// The confirmation of an action's button: N leaves it, y clicks it (the
// harness has no actions feature, so the engine does not know run).
func TestActionButtonConfirm(t *testing.T) {
	h := newHarness(t, bot.Options{ActionsFor: twoActions})
	out := h.run(`
/incident declare sev1 Checkout errors
4
N
4
y
`)
	wantContains(t, out,
		"Run this action? Roll checkout back to the previous release? [y/N] N\nNot clicked: [4] Roll back checkout.",
		"clicked [4] Roll back checkout\n(only you) ⚠️ unknown command \"run\"",
	)
}

// A Sender running by itself delivers while Run waits for input: output
// arrives asynchronously and is printed on lines of its own.
func TestBackgroundSender(t *testing.T) {
	store := storagetest.NewSQLite(t)
	engine := bottest.NewEngine(t, bot.Options{Commands: bot.Commands(), Store: store})
	out := &bottest.Buffer{}
	a := New(Options{Engine: engine, Store: store, Out: out, User: alice})
	sender := bot.NewSender(bot.SenderOptions{Store: store, Deliverers: []bot.Deliverer{a}, Poll: 5 * time.Millisecond})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sctx, stopSender := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = sender.Run(sctx) }()
	defer func() { stopSender(); wg.Wait() }()

	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, pr) }()
	waitFor := func(s string) {
		t.Helper()
		for !strings.Contains(out.String(), s) {
			select {
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %q; output:\n%s", s, out.String())
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	fmt.Fprintln(pw, "/incident declare sev2 Checkout errors")
	waitFor("[1] Yes, mitigated")
	waitFor("INC-1> ")
	fmt.Fprintln(pw, "1")
	waitFor("impact mitigated · cause unknown · lead alice · Checkout errors\nINC-1> ")
	// Something the engine did not cause arrives while the prompt waits.
	if _, err := a.Post(ctx, "INC-1", *new(bot.Message).Textf("Is customer impact mitigated?"), bot.PostOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("lead alice · Checkout errors\nINC-1> \nIs customer impact mitigated?\nINC-1> ")
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	h := newHarness(t, bot.Options{})
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.a.Run(ctx, pr) }()
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestUpdateOfUnknownMessageIsShownWhole(t *testing.T) {
	out := &bottest.Buffer{}
	a := New(Options{Out: out})
	m := bot.Message{}
	m.Header("SEV2 INC-4: Old").Buttons(bot.Button{Label: "Timeline", Command: "timeline"})
	if err := a.Update(context.Background(), "INC-4", "m-9.abcdef", m); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "[INC-4] ↻ SEV2 INC-4: Old\n          [1] Timeline\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := a.Update(context.Background(), "INC-4", "m-9.abcdef", m); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "[INC-4] ↻ SEV2 INC-4: Old\n") {
		t.Errorf("second update not compact: %q", out.String())
	}
}

// Goldens of the rendered messages, without colour.

func TestGoldenCards(t *testing.T) {
	h := newHarness(t, bot.Options{ActionsFor: twoActions, PublicURL: "http://127.0.0.1:8080"})
	h.run("/incident declare sev1 Checkout errors\n/incident services checkout\n")
	golden(t, "card_ongoing", Render(h.cardOf("INC-1"), false, nil)+"\n")
	h.run("1\n")
	golden(t, "card_mitigated", Render(h.cardOf("INC-1"), false, nil)+"\n")

	h.run("/incident diagnosed Connection pool exhausted after release 412\n/incident resolve Pool size reverted\n")
	reply, err := h.engine.Handle(context.Background(), bot.Invocation{
		Channel: incident.ChannelRef{Platform: Platform, ChannelID: "INC-1"},
		Actor:   alice, Text: "/incident timeline",
	})
	if err != nil || reply.Error {
		t.Fatalf("timeline: %v %+v", err, reply)
	}
	golden(t, "timeline", Render(reply.Message, false, nil)+"\n")
}

// checkinMessage is what a check-in looks like in the message model.
func checkinMessage() bot.Message {
	m := bot.Message{Color: "danger"}
	m.Header("Check-in · INC-7: Checkout errors")
	m.Textf("*%s* Impact ongoing for 25m. %s leads; `_` in ids like %s stays.", bot.MitigationQuestion, alice, "status_update")
	m.Buttons(
		bot.Button{Label: "Yes, mitigated", Command: "answer 12 yes", Style: bot.StylePrimary},
		bot.Button{Label: "Partially", Command: "answer 12 partial"},
		bot.Button{Label: "No, still impacting", Command: "answer 12 no", Style: bot.StyleDanger},
	)
	m.Buttons(
		bot.Button{Label: "Roll back checkout", Command: "run rollback-checkout", Style: bot.StyleDanger,
			Confirm: &bot.Confirm{Title: "Run this action?", Text: "Roll checkout back?", Confirm: "Run it", Deny: "Cancel"}},
		bot.Button{Label: "Kill switch: new checkout", Command: "run kill-new-checkout", Style: bot.StyleDanger},
	)
	m.Contextf("Unanswered check-ins escalate to %s after 2 tries.", bot.Here())
	return m
}

func TestGoldenCheckin(t *testing.T) {
	golden(t, "checkin", Render(checkinMessage(), false, nil)+"\n")
}

// A new run on the same store: the channel of an earlier run can be
// joined, and the card it posted is shown whole at its first update (a
// severity change: a note leaves the card as it is).
func TestRestartJoinsEarlierChannel(t *testing.T) {
	h := newHarness(t, bot.Options{})
	h.run("/incident declare sev2 Checkout errors\n")

	out := &bottest.Buffer{}
	var sender *bot.Sender
	a := New(Options{Engine: h.engine, Store: h.store, Out: out, User: alice, Echo: true,
		Flush: func(ctx context.Context) error { return sender.Drain(ctx) }})
	sender = bot.NewSender(bot.SenderOptions{Store: h.store, Deliverers: []bot.Deliverer{a}, Clock: h.clk})
	if err := a.Run(context.Background(), strings.NewReader("/join INC-1\n/incident sev 1\n/channels\n")); err != nil {
		t.Fatal(err)
	}
	wantContains(t, out.String(),
		"lobby> /join INC-1\nYou are in #inc-1-checkout-errors (INC-1).\n/incident status shows its card.\nINC-1> ",
		"\n↻ SEV1 INC-1: Checkout errors\n  Severity:", // adopted in full
		"[1] Yes, mitigated", // numbered afresh in this run
		"* INC-1   #inc-1-checkout-errors",
	)
}

func TestConsoleCommands(t *testing.T) {
	h := newHarness(t, bot.Options{})
	out := h.run(`
/help
/as
/as b@d
/as bob
incident declare sev4 Typo on the pricing page
/as alice
/quit
`)
	wantContains(t, out,
		"lobby> /help\nConsole commands:\n  /incident <command>",
		"lobby> /as\nYou are console:alice.",
		"lobby> /as b@d\nUsage: /as <name>",
		"bob@lobby> incident declare sev4 Typo on the pricing page\n(only you) 🚨 Declared INC-1 (SEV4)",
		"bob@INC-1> /as alice\nYou are now console:alice.\nINC-1> /quit",
	)
	wantEvents(t, h.events("INC-1"), "declared/typed/console:bob")
}

// A confirmation answered with something that is not y/yes/n/no does not
// swallow it: the button is not clicked and the line runs as the command it
// is (bug: "/incident status" typed at "[y/N]" was taken as "no").
func TestConfirmAnsweredWithACommand(t *testing.T) {
	h := newHarness(t, bot.Options{})
	// Buttons: card 1-3; after mitigation 4 (Impact is back, confirmed) and 5.
	out := h.run(`
/incident declare sev1 Payments down
1
4
/incident status
4
5
4

/incident note still mitigated
`)
	golden(t, "confirm_command", out)
	wantContains(t, out,
		"[y/N] /incident status\nNot clicked: [4] Impact is back.\nINC-1> /incident status\n(only you) SEV1 INC-1: Payments down",
		"[y/N] 5\nNot clicked: [4] Impact is back.\nINC-1> 5\nclicked [5] Timeline\n(only you) Timeline of INC-1",
		"[y/N] \nNot clicked: [4] Impact is back.\nINC-1> /incident note still mitigated\n(only you) Recorded on INC-1's timeline: note.",
	)
	wantEvents(t, h.events("INC-1"),
		"declared/typed/console:alice",
		"mitigated/button/console:alice",
		"note/typed/console:alice",
	)
}

// Counts read as words: "regressed once", "1 regression", never "1×" or
// "regression(s)".
func TestClocksReadAsWords(t *testing.T) {
	h := newHarness(t, bot.Options{})
	out := h.run(`
/incident declare sev1 Payments down
/incident mitigated
/incident regressed
/incident status
/incident mitigated
/incident status
/incident regressed
/incident status
/incident mitigated
/incident timeline
`)
	wantContains(t, out,
		"(first mitigated after 1m, regressed once)",
		", 1 regression · cause unknown",
		"(first mitigated after 1m, regressed twice)",
		", 2 regressions · cause unknown",
	)
	for _, bad := range []string{"×", "(s)", "1 regressions"} {
		if strings.Contains(out, bad) {
			t.Errorf("output has %q:\n%s", bad, out)
		}
	}
}
