package sandbox_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/sandbox"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func TestRollbackKillSwitchAndIdempotency(t *testing.T) {
	sb := sandbox.New(sandbox.Name, sandbox.WithDelay(0))
	ctx := context.Background()
	res, err := sb.Run(ctx, actiontype.Request{RunID: "r1", Params: map[string]string{"service": "demo-shop", "version": "v41"}})
	if err != nil || sb.Version("demo-shop") != "v41" {
		t.Fatalf("rollback: %v, version %s", err, sb.Version("demo-shop"))
	}
	if res.Summary != "sandbox: demo-shop rolled back from v42 to v41 (nothing real was touched)" {
		t.Errorf("summary %q", res.Summary)
	}
	// The same run ID again: the first answer, nothing done twice.
	again, err := sb.Run(ctx, actiontype.Request{RunID: "r1", Params: map[string]string{"service": "demo-shop", "version": "v41"}})
	if err != nil || sb.Calls() != 1 || !strings.Contains(again.Summary, "was seen before") {
		t.Errorf("repeated run ID: %v, %d calls, %q", err, sb.Calls(), again.Summary)
	}
	if _, err := sb.Run(ctx, actiontype.Request{RunID: "r2", Params: map[string]string{"flag": "new-checkout"}}); err != nil || sb.Flag("new-checkout") {
		t.Fatalf("kill switch: %v, flag on %v", err, sb.Flag("new-checkout"))
	}
	if _, err := sb.Run(ctx, actiontype.Request{RunID: "r3", Params: map[string]string{"flag": "new-checkout"}, Undo: true}); err != nil || !sb.Flag("new-checkout") {
		t.Fatalf("undo kill switch: %v, flag on %v", err, sb.Flag("new-checkout"))
	}
	_, err = sb.Run(ctx, actiontype.Request{RunID: "r4", Params: map[string]string{"service": "billing", "version": "v1"}})
	var e *actiontype.Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Error(), "sandbox: ") || !strings.Contains(e.Error(), `no service "billing"`) {
		t.Errorf("unknown service: %v", err)
	}
}

func TestInterruptedCallMayHaveRun(t *testing.T) {
	sb := sandbox.New(sandbox.Name, sandbox.WithDelay(time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := sb.Run(ctx, actiontype.Request{RunID: "r1", Params: map[string]string{"flag": "new-checkout"}})
	if !actiontype.IsIndeterminate(err) || !strings.Contains(err.Error(), "sandbox") {
		t.Errorf("interrupted call: %v", err)
	}
}

func TestConfiguredSandboxIsRefused(t *testing.T) {
	if p := sandbox.Validate(sandbox.Integrations()[sandbox.Name]); len(p) != 1 || !strings.Contains(p[0].Msg, "only the demo") {
		t.Errorf("Validate = %v", p)
	}
}

// TestDemoThroughTheEngine is the README's first run: declare, click
// "Roll back demo-shop to v41" and "Kill switch: new-checkout", and see it
// work, every message saying sandbox.
func TestDemoThroughTheEngine(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		clk := clock.NewFake(time.Date(2026, 3, 1, 14, 32, 0, 0, time.UTC))
		cat, err := actions.NewCatalog(sandbox.Actions(), sandbox.Integrations())
		if err != nil {
			t.Fatal(err)
		}
		wake := actions.NewWakeup()
		svc := actions.New(actions.Options{Catalog: cat, Wake: wake.Wake})
		engine := bottest.NewEngine(t, bot.Options{Commands: append(bot.Commands(), svc.Commands()...), Hooks: []bot.Hook{svc},
			Store: s, Clock: clk, ActionsFor: cat.Buttons})
		sb := sandbox.New(sandbox.Name, sandbox.WithDelay(0))
		runner, err := actions.NewRunner(engine, actions.RunnerOptions{Store: s, Clock: clk, Catalog: cat,
			Integrations: map[string]actiontype.Integration{sandbox.Name: sb}, Wakeup: wake})
		if err != nil {
			t.Fatal(err)
		}
		rec := bottest.NewRecorder("console")
		sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{rec}})
		you := incident.Actor{Platform: "console", ID: "you", Name: "you"}
		ch := incident.ChannelRef{Platform: "console", ChannelID: "INC-1"}
		do := func(line string) bot.Reply {
			t.Helper()
			r, err := engine.Handle(ctx, bot.Invocation{Channel: ch, Actor: you, Text: line, Source: incident.SourceButton})
			if err != nil || r.Error {
				t.Fatalf("%q: %v %+v", line, err, r.Message)
			}
			return r
		}
		do("declare here sev1 Checkout errors")
		if err := sender.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		card := rec.Ops("post")[0].Message
		var labels []string
		for _, b := range card.AllButtons() {
			if strings.HasPrefix(b.Command, "INC-1 run ") {
				labels = append(labels, b.Label)
				if b.Style != bot.StyleDanger || b.Confirm == nil || !strings.Contains(b.Confirm.Text, "Sandbox") {
					t.Errorf("button %+v: want danger style and a confirmation that says sandbox", b)
				}
			}
		}
		if strings.Join(labels, ", ") != "Roll back demo-shop to v41, Kill switch: new-checkout" {
			t.Fatalf("the card offers %q", labels)
		}
		do("run rollback-demo-shop")
		do("run kill-new-checkout")
		if n, err := runner.Step(ctx); err != nil || n != 2 {
			t.Fatalf("Step = %d, %v", n, err)
		}
		if sb.Version(sandbox.DemoService) != "v41" || sb.Flag(sandbox.DemoFlag) {
			t.Errorf("sandbox state after the demo: %v", sb.Snapshot())
		}
		if err := sender.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		var outcomes, questions int
		for _, d := range rec.Deliveries() {
			text := d.Message.Fallback
			for _, b := range d.Message.Blocks {
				text += " " + b.Text.String()
			}
			switch {
			case strings.Contains(text, "succeeded in"):
				outcomes++
				if !strings.Contains(text, "sandbox") {
					t.Errorf("an outcome does not say sandbox: %s", text)
				}
			case strings.Contains(text, "not the same as mitigation"):
				questions++
			}
		}
		if outcomes != 2 || questions != 2 {
			t.Errorf("%d outcomes and %d mitigation questions delivered, want 2 and 2", outcomes, questions)
		}
	})
}
