package discord_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/incident"
)

// fakeEngine records invocations and answers with a fixed reply, after an
// optional delay.
type fakeEngine struct {
	mu    sync.Mutex
	calls []bot.Invocation
	reply bot.Reply
	err   error
	delay time.Duration
}

func (f *fakeEngine) Commands() []bot.CommandSpec { return bot.Commands() }

func (f *fakeEngine) Handle(ctx context.Context, inv bot.Invocation) (bot.Reply, error) {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, inv)
	return f.reply, f.err
}

func (f *fakeEngine) invocations() []bot.Invocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bot.Invocation(nil), f.calls...)
}

func withEngine(eng discord.Engine) func(*discord.Options) {
	return func(o *discord.Options) { o.Engine = eng }
}

// A slash command reaches the engine as it was given: the subcommand, the
// incident option and every other option by name, never flattened into a
// line to be parsed again.
func TestCommandOptionsStayStructured(t *testing.T) {
	fe := &fakeEngine{reply: bot.TextReply("ok")}
	e := newEnv(t, sqlite(t), withEngine(fe))
	carol := discordtest.User{ID: "83", Username: "carol", GlobalName: "Carol C", Nick: "Caz"}
	dave := discordtest.User{ID: "84", Username: "dave.d", GlobalName: "Dave D"}
	tests := []struct {
		name         string
		sub          string
		opts         []discordtest.Option
		resolve      []discordtest.User
		wantIncident string
		wantArgs     map[string]string
	}{
		{"declare with typed options", "declare", []discordtest.Option{
			discordtest.Str("title", "Checkout errors"), discordtest.Str("severity", "sev1"),
			discordtest.Str("services", "checkout, payments"), discordtest.Str("impact_started", "-15m"),
		}, nil, "", map[string]string{bot.FieldTitle: "Checkout errors", bot.FieldSeverity: "sev1",
			bot.FieldServices: "checkout, payments", bot.FieldImpactStarted: "-15m"}},
		{"declare here", "declare", []discordtest.Option{discordtest.Str("title", "DB down"), discordtest.Bool("here", true)},
			nil, "", map[string]string{bot.FieldTitle: "DB down", bot.FieldHere: "true"}},
		{"a title the grammar would misread", "declare", []discordtest.Option{discordtest.Str("title", "Here be dragons")},
			nil, "", map[string]string{bot.FieldTitle: "Here be dragons"}},
		{"lead as a user option, nickname", "lead", []discordtest.Option{discordtest.UserOpt("user", "83")},
			[]discordtest.User{carol}, "", map[string]string{"user": "<@83|Caz>"}},
		{"lead whose display name has a space", "lead", []discordtest.Option{discordtest.UserOpt("user", "84")},
			[]discordtest.User{dave}, "", map[string]string{"user": "<@84|dave.d>"}},
		{"severity choice", "sev", []discordtest.Option{discordtest.Str("severity", "sev3")}, nil, "", map[string]string{"severity": "sev3"}},
		{"named incident", "status", []discordtest.Option{discordtest.Str("incident", "INC-7")}, nil, "INC-7", map[string]string{}},
		{"free text", "update", []discordtest.Option{discordtest.Str("text", "Rolled back, watching errors")}, nil, "",
			map[string]string{"text": "Rolled back, watching errors"}},
		{"optional text left out", "mitigated", nil, nil, "", map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(fe.invocations())
			e.signed(discordtest.Command(e.nextID(), appID, guildID, lobby, alice, tc.sub, tc.opts, tc.resolve...))
			calls := fe.invocations()
			if len(calls) != before+1 {
				t.Fatalf("engine called %d times", len(calls)-before)
			}
			inv := calls[len(calls)-1]
			if inv.Text != "" || inv.Command != tc.sub || inv.Incident != tc.wantIncident {
				t.Errorf("text %q, command %q, incident %q; want no text, %q, %q", inv.Text, inv.Command, inv.Incident, tc.sub, tc.wantIncident)
			}
			if !maps.Equal(inv.Args, tc.wantArgs) {
				t.Errorf("args %v, want %v", inv.Args, tc.wantArgs)
			}
			if inv.Source != incident.SourceTyped || !strings.HasPrefix(inv.ID, "discord:") ||
				inv.Channel != (incident.ChannelRef{Platform: "discord", ChannelID: lobby}) ||
				inv.Actor != (incident.Actor{Platform: "discord", ID: "81", Name: "Alice Adams"}) {
				t.Errorf("invocation %+v", inv)
			}
		})
	}
}

func TestConfirmFirstButtons(t *testing.T) {
	fe := &fakeEngine{reply: bot.TextReply("Rollback started.")}
	e := newEnv(t, sqlite(t), withEngine(fe))
	var m bot.Message
	m.Buttons(bot.Button{Label: "Roll back checkout-api", Command: "run rollback-checkout", Style: bot.StyleDanger,
		Confirm: &bot.Confirm{Title: "Run this action?", Text: "Roll back checkout-api?", Confirm: "Run it", Deny: "Cancel"}})
	card := discord.Render(m)
	btn := card.Components[0].(discordgo.ActionsRow).Components[0].(discordgo.Button)
	if btn.CustomID != "?run rollback-checkout|Roll back checkout-api?" {
		t.Fatalf("custom_id %q", btn.CustomID)
	}

	// The click asks first, privately, and runs nothing.
	r := e.signed(discordtest.Click(e.nextID(), appID, guildID, lobby, alice, btn.CustomID, nil, nil, false))
	if r.Type != discordgo.InteractionResponseChannelMessageWithSource || r.Data.Flags != discordgo.MessageFlagsEphemeral {
		t.Fatalf("prompt: type %d flags %d", r.Type, r.Data.Flags)
	}
	if r.Data.Content != "Roll back checkout-api?" {
		t.Fatalf("prompt text %q", r.Data.Content)
	}
	row := r.Data.Components[0]
	confirm, cancel := row.Components[0].(*discordgo.Button), row.Components[1].(*discordgo.Button)
	if confirm.Label != "Confirm" || confirm.CustomID != "run rollback-checkout" || cancel.Label != "Cancel" {
		t.Fatalf("prompt buttons %+v %+v", confirm, cancel)
	}
	if n := len(fe.invocations()); n != 0 {
		t.Fatalf("engine called %d times before Confirm", n)
	}

	// Cancel replaces the question and runs nothing.
	r = e.signed(discordtest.Click(e.nextID(), appID, guildID, lobby, alice, cancel.CustomID, nil, nil, true))
	if r.Type != discordgo.InteractionResponseUpdateMessage || !strings.Contains(r.Data.Content, "Cancelled") || len(r.Data.Components) != 0 {
		t.Fatalf("cancel: %+v", r)
	}
	if n := len(fe.invocations()); n != 0 {
		t.Fatalf("engine called after Cancel")
	}

	// Confirm sends the real command, as a click; the answer replaces the question.
	r = e.signed(discordtest.Click(e.nextID(), appID, guildID, lobby, alice, confirm.CustomID, nil, nil, true))
	calls := fe.invocations()
	if len(calls) != 1 || calls[0].Text != "run rollback-checkout" || calls[0].Source != incident.SourceButton {
		t.Fatalf("engine calls %+v", calls)
	}
	if r.Type != discordgo.InteractionResponseUpdateMessage || r.Data.Content != "Rollback started." {
		t.Fatalf("confirm answer %+v", r)
	}
}

func TestConfirmPromptFallsBackToTheLabel(t *testing.T) {
	fe := &fakeEngine{reply: bot.TextReply("ok")}
	e := newEnv(t, sqlite(t), withEngine(fe))
	// A command so long that the question does not fit beside it.
	cmd := "run " + strings.Repeat("a", 90)
	var m bot.Message
	m.Buttons(bot.Button{Label: "Drain eu-west", Command: cmd, Confirm: &bot.Confirm{Text: "Route all traffic away from eu-west?"}})
	msg := map[string]any{"components": []any{map[string]any{"type": 1, "components": []any{
		map[string]any{"type": 2, "style": 2, "label": "Drain eu-west", "custom_id": "?" + cmd}}}}}
	if id := discord.Render(m).Components[0].(discordgo.ActionsRow).Components[0].(discordgo.Button).CustomID; id != "?"+cmd {
		t.Fatalf("custom_id %q", id)
	}
	r := e.signed(discordtest.Click(e.nextID(), appID, guildID, lobby, alice, "?"+cmd, nil, msg, false))
	if r.Data.Content != "**Drain eu-west**: are you sure?" {
		t.Fatalf("prompt %q", r.Data.Content)
	}
}

func TestSelectMenuChoiceRunsItsCommand(t *testing.T) {
	fe := &fakeEngine{reply: bot.TextReply("ok")}
	e := newEnv(t, sqlite(t), withEngine(fe))
	e.signed(discordtest.Click(e.nextID(), appID, guildID, lobby, alice, "~menu:2", []string{"run kill-search"}, nil, false))
	calls := fe.invocations()
	if len(calls) != 1 || calls[0].Text != "run kill-search" || calls[0].Source != incident.SourceButton {
		t.Fatalf("calls %+v", calls)
	}
}

func TestStoreDownGetsAPrivateError(t *testing.T) {
	s := sqlite(t)
	e := newEnv(t, s, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors")))
	if r.Data.Flags != discordgo.MessageFlagsEphemeral || !strings.Contains(r.Data.Content, "could not record") {
		t.Fatalf("answer %+v", r.Data)
	}
	if strings.Contains(text(r.Data), "Declared") {
		t.Fatal("a success without a record")
	}
}

func TestSlowWorkIsDeferred(t *testing.T) {
	t.Run("command: type 5, then the deferred answer is edited", func(t *testing.T) {
		fe := &fakeEngine{reply: bot.TextReply("Declared INC-9."), delay: 600 * time.Millisecond}
		e := newEnv(t, sqlite(t), func(o *discord.Options) { o.Engine, o.DeferAfter = fe, 50*time.Millisecond })
		r := e.signed(discordtest.Command("8200001", appID, guildID, lobby, alice, "status", nil))
		if r.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource || r.Data == nil || r.Data.Flags != discordgo.MessageFlagsEphemeral {
			t.Fatalf("first answer %+v, want a private deferral", r)
		}
		e.a.Wait()
		edits := e.fake.Find("PATCH", "webhooks/"+appID+"/itoken-8200001/messages/@original")
		if len(edits) != 1 || body(t, edits[0])["content"] != "Declared INC-9." {
			t.Fatalf("edits %+v", edits)
		}
	})
	t.Run("component: type 6, then a private follow-up", func(t *testing.T) {
		fe := &fakeEngine{reply: bot.TextReply("Recorded."), delay: 600 * time.Millisecond}
		e := newEnv(t, sqlite(t), func(o *discord.Options) { o.Engine, o.DeferAfter = fe, 50*time.Millisecond })
		r := e.signed(discordtest.Click("8200002", appID, guildID, lobby, alice, "mitigated", nil, nil, false))
		if r.Type != discordgo.InteractionResponseDeferredMessageUpdate {
			t.Fatalf("first answer %+v, want type 6", r)
		}
		e.a.Wait()
		fus := e.fake.Find("POST", "webhooks/"+appID+"/itoken-8200002")
		if len(fus) != 1 {
			t.Fatalf("follow-ups %+v", fus)
		}
		b := body(t, fus[0])
		if b["content"] != "Recorded." || b["flags"] != float64(64) {
			t.Fatalf("follow-up %v", b)
		}
	})
	t.Run("over the gateway too", func(t *testing.T) {
		fe := &fakeEngine{reply: bot.TextReply("Done."), delay: 600 * time.Millisecond}
		e := newEnv(t, sqlite(t), func(o *discord.Options) { o.Engine, o.DeferAfter = fe, 50*time.Millisecond })
		e.a.HandleGatewayInteraction(t.Context(), interaction(t, discordtest.Command("8200003", appID, guildID, lobby, alice, "status", nil)))
		e.a.Wait()
		cbs := callbacks(e)
		if len(cbs) != 1 || body(t, cbs[0])["type"] != float64(5) {
			t.Fatalf("callbacks %+v", cbs)
		}
		if len(e.fake.Find("PATCH", "webhooks/"+appID+"/itoken-8200003/messages/@original")) != 1 {
			t.Fatal("deferred answer not edited")
		}
	})
}

func TestEngineErrorsNeverLeakTokens(t *testing.T) {
	fe := &fakeEngine{err: errors.New("store: connection refused")}
	e := newEnv(t, sqlite(t), withEngine(fe))
	e.a.HandleGatewayInteraction(t.Context(), interaction(t, discordtest.Command("8300001", appID, guildID, lobby, alice, "status", nil)))
	cbs := callbacks(e)
	if len(cbs) != 1 || !strings.Contains(string(cbs[0].Body), "could not record") {
		t.Fatalf("callbacks %+v", cbs)
	}
	if logs := e.logs.String(); strings.Contains(logs, "itoken-") || strings.Contains(logs, botToken) {
		t.Fatalf("a token reached the logs: %s", logs)
	}
}
