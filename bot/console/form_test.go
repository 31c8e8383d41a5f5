package console

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// In the terminal, "Yes, identified" on a diagnosis check-in asks for the
// cause on the next line and records it; an empty line records nothing.
func TestYesIdentifiedPromptsForTheCause(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := &harness{t: t, store: s, clk: clock.NewFake(t0), out: &bottest.Buffer{}}
		checkins, err := checkin.New(config.Checkins{
			Cadence:          config.Cadence{Sev1: "@every 10m", Sev2: "@every 15m", Sev3: "@every 30m", Sev4: "@every 1h"},
			DiagnosisCadence: "@every 30m",
		}, checkin.Options{Store: s, Clock: h.clk})
		if err != nil {
			t.Fatal(err)
		}
		h.engine = bottest.NewEngine(t, bot.Options{Commands: append(bot.Commands(), checkins.Commands()...), Hooks: []bot.Hook{checkins},
			Store: s, Clock: h.clk})
		sched := checkins.Sweeper(h.engine)
		h.a = New(Options{Engine: h.engine, Store: s, Out: h.out, User: alice, Echo: true,
			Flush: func(ctx context.Context) error { return h.sender.Drain(ctx) }})
		h.sender = bot.NewSender(bot.SenderOptions{Store: s, Deliverers: []bot.Deliverer{h.a}, Clock: h.clk})
		h.run("/incident declare sev2 Checkout errors\n/incident mitigated rolled back\n")

		// checkIn sends the next diagnosis check-in and returns the number
		// of its "Yes, identified" button.
		checkIn := func() string {
			t.Helper()
			h.clk.Advance(30*time.Minute + time.Second)
			start := len(h.out.String())
			if n, err := sched.Sweep(context.Background()); err != nil || n != 1 {
				t.Fatalf("diagnosis check-in: %d %v", n, err)
			}
			if err := h.sender.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`\[(\d+)\] Yes, identified`).FindStringSubmatch(h.out.String()[start:])
			if m == nil {
				t.Fatalf("no Yes, identified button in:\n%s", h.out.String()[start:])
			}
			return m[1]
		}

		n := checkIn()
		out := h.run(n + "\n\n")
		for _, want := range []string{"clicked [" + n + "] Yes, identified — What is the cause?", "Cause: ", "Not recorded: [" + n + "] Yes, identified needs the cause."} {
			if !strings.Contains(out, want) {
				t.Errorf("an empty cause: output lacks %q:\n%s", want, out)
			}
		}
		if got := strings.Join(h.events("INC-1"), " "); strings.Contains(got, "checkin_answered") || strings.Contains(got, "diagnosed") {
			t.Fatalf("an empty cause recorded something: %s", got)
		}

		out = h.run(n + "\nbad default for the new-checkout flag\n")
		if !strings.Contains(out, "Cause: bad default for the new-checkout flag") || !strings.Contains(out, "Recorded on INC-1's timeline: diagnosed") {
			t.Errorf("output:\n%s", out)
		}
		if !strings.Contains(out, "Cause identified by @alice: bad default for the new-checkout flag.") {
			t.Errorf("the diagnosis was not announced:\n%s", out)
		}
		evs := h.events("INC-1")
		if got := strings.Join(evs[len(evs)-2:], " "); got != "checkin_answered/typed/console:alice diagnosed/typed/console:alice" {
			t.Fatalf("events: %s", got)
		}
		inc, _ := s.GetIncidentByKey(context.Background(), "INC-1")
		if inc.Cause != incident.CauseIdentified || inc.CauseText != "bad default for the new-checkout flag" {
			t.Fatalf("cause %s %q", inc.Cause, inc.CauseText)
		}
	})
}
