// Package scenario builds what the adapters' conformance tests drive: an
// engine with many mitigation actions configured for one service, their
// runner on a fake integration, and the check-in scheduler, all on one
// store and a fake clock; and the hostile titles they declare with.
//
// It is test support, imported only by the adapters' conformance tests,
// and the one package under internal/ that is not a leaf: to drive whole
// incidents it imports the engine, the features (actions, checkin),
// config and storage. It never imports an adapter (the tests that use it
// are the adapters') nor the composition root.
package scenario

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/postmortem"
	"github.com/tourniquet/tourniquet/storage"
)

// Service is the service every action of the world is configured for.
const Service = "checkout"

// ActionCount is how many actions the world offers for Service: more than
// one Discord message shows as buttons and one select menu.
const ActionCount = 36

// Titles are declared by the scenarios: long, and made of what must stay
// text (mentions of every kind, Markdown links, zero-width and
// right-to-left characters, emoji).
var Titles = []string{
	strings.TrimSpace(strings.Repeat("Checkout errors on /pay after the 14:00 deploy ", 5)),
	"<!channel> @everyone @here <@&123> <@U2> [x](https://evil.example) *bold* \u200b\u200f\u202eRTL\u202c 🔥🧯 & <b>",
}

// Declared are the Titles as the scenarios type them: at most 200
// characters, the most a title may have.
var Declared = []string{Titles[0][:200], Titles[1]}

// Stored are the titles as the bot keeps them: the same words without the
// invisible and reordering characters, and mention tokens as plain names.
var Stored = []string{Declared[0], "@channel @everyone @here @123 @U2 [x](https://evil.example) *bold* RTL 🔥🧯 & <b>"}

// World is one replica's engine side.
type World struct {
	Engine   *bot.Engine
	Catalog  *actions.Catalog
	Runner   *actions.Runner
	Checkins *checkin.Sweeper
	Clock    *clock.Fake
	Store    storage.Store
}

// Actions are the configured actions: IDs up to 64 bytes, titles up to
// 120 characters, some asking for confirmation.
func Actions() []config.Action {
	yes := true
	var out []config.Action
	for i := range ActionCount {
		id := fmt.Sprintf("action-%02d", i)
		title := fmt.Sprintf("Roll back %s step %d", Service, i)
		switch i {
		case 1:
			id = "roll-back-the-checkout-api-deployment-in-eu-west-1-to-previous-" + "v"
		case 2:
			title = "Kill switch: " + strings.Repeat("new checkout flow with the redesigned payment page ", 2)
		}
		a := config.Action{ID: id, Title: title, Kind: config.KindRollback, Integration: "deploy",
			Services: []string{Service}, Allowed: []string{"lead", "declarer"}, Timeout: 30 * time.Second}
		if i%2 == 0 {
			a.Confirm = &yes
		}
		out = append(out, a)
	}
	return out
}

// done is the fake integration: every call succeeds.
type done struct{}

func (done) Run(context.Context, actions.Request) (actions.Result, error) {
	return actions.Result{Summary: "rolled back", URL: "https://deploy.example/runs/1"}, nil
}

// New builds a world on store and clock.
func New(t testing.TB, store storage.Store, clk *clock.Fake, log *slog.Logger) *World {
	t.Helper()
	cat, err := actions.NewCatalog(Actions(), map[string]config.Integration{"deploy": {Type: "webhook"}})
	if err != nil {
		t.Fatal(err)
	}
	wake := actions.NewWakeup()
	svc := actions.New(actions.Options{Catalog: cat, Logger: log, Wake: wake.Wake})
	sched, err := checkin.New(config.Checkins{
		Cadence:          config.Cadence{Sev1: "@every 10m", Sev2: "@every 15m", Sev3: "@every 30m", Sev4: "@every 1h"},
		DiagnosisCadence: "@every 30m",
		EscalateAfter:    1,
	}, checkin.Options{Store: store, Clock: clk, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := bot.NewEngine(bot.Options{Store: store, Clock: clk, Logger: log,
		Commands:  slices.Concat(bot.Commands(), svc.Commands(), sched.Commands(), postmortem.Commands()),
		Hooks:     []bot.Hook{sched, svc, postmortem.Hook{}},
		PublicURL: "https://tq.example.com", ActionsFor: cat.Buttons, Roles: []string{"comms", "scribe"}})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := actions.NewRunner(engine, actions.RunnerOptions{Store: store, Clock: clk, Catalog: cat,
		Integrations: map[string]actions.Integration{"deploy": done{}}, Wakeup: wake, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return &World{Engine: engine, Catalog: cat, Runner: runner, Checkins: sched.Sweeper(engine), Clock: clk, Store: store}
}

// Step runs the requested action runs.
func (w *World) Step(t testing.TB) {
	t.Helper()
	for range 10 {
		n, err := w.Runner.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// CheckIn moves the clock past a check-in and sends the ones due.
func (w *World) CheckIn(t testing.TB) {
	t.Helper()
	w.Clock.Advance(10*time.Minute + time.Second)
	if _, err := w.Checkins.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
}
