package discord_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/conformance/scenario"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// Every command /incident help lists can be typed on Discord: the
// registered schema has a subcommand for each.
func TestEveryHelpCommandIsRegistered(t *testing.T) {
	s, clk := sqlite(t), clock.NewFake(t0)
	w := scenario.New(t, s, clk, nil) // every feature's commands, as the binary wires them
	e := newReplica(t, s, discordtest.New(t, botToken, appID), discordtest.NewKey(), clk, func(o *discord.Options) { o.Engine = w.Engine })
	if err := e.a.RegisterCommands(t.Context()); err != nil {
		t.Fatal(err)
	}
	inc := registered(t, e, "applications/"+appID+"/guilds/"+guildID+"/commands")[0]
	for _, spec := range w.Engine.Commands() {
		if spec.Shown != bot.Listed {
			continue
		}
		if s := sub(inc, spec.Name); s == nil || s.Type != discordgo.ApplicationCommandOptionSubCommand || s.Description == "" {
			t.Errorf("/incident help lists %s, but Discord has no such subcommand", spec.Name)
		}
	}
	if o := sub(inc, "list"); o == nil || len(o.Options) != 0 {
		t.Errorf("list takes no options (it is about every incident): %+v", o)
	}
}

// /incident list on Discord answers privately with each open incident's
// channel as a Discord channel link.
func TestListOverHTTP(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	r := e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors"), discordtest.Str("severity", "sev1")))
	if r.Data == nil || !strings.Contains(text(r.Data), "Declared INC-1") {
		t.Fatalf("declare: %+v", r.Data)
	}
	e.drain()
	inc, err := e.store.GetIncidentByKey(t.Context(), "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	ch, ok := inc.ChannelOn(discord.Platform)
	if !ok {
		t.Fatal("no channel")
	}
	r = e.signed(e.command(announce, bob, "list"))
	if r.Type != discordgo.InteractionResponseChannelMessageWithSource || r.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Fatalf("list answer is not private: %+v", r)
	}
	got := text(r.Data)
	for _, want := range []string{"Open incidents (1)", "**INC-1** SEV1", "<#" + ch.ChannelID + ">", "Checkout errors", "lead <@81>"} {
		if !strings.Contains(got, want) {
			t.Errorf("list lacks %q:\n%s", want, got)
		}
	}
}

// /incident role on Discord: the user option names the holder by ID, the
// card shows the role, and the holder can step down with clear.
func TestRoleOverHTTP(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		clk := clock.NewFake(t0)
		engine := bottest.NewEngine(t, bot.Options{Commands: bot.Commands(), Store: s, Clock: clk, Roles: []string{"comms", "scribe"}})
		e := newReplica(t, s, discordtest.New(t, botToken, appID), discordtest.NewKey(), clk, func(o *discord.Options) { o.Engine = engine })
		e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors")))
		e.drain()
		inc, err := s.GetIncidentByKey(t.Context(), "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := inc.ChannelOn(discord.Platform)
		ch := ref.ChannelID

		r := e.signed(discordtest.Command(e.nextID(), appID, guildID, ch, bob, "role",
			[]discordtest.Option{discordtest.Str("role", "comms"), discordtest.UserOpt("user", bob.ID)}, bob))
		if !strings.Contains(text(r.Data), "may give or take the comms role") {
			t.Fatalf("bob made himself comms: %s", text(r.Data))
		}
		r = e.signed(discordtest.Command(e.nextID(), appID, guildID, ch, alice, "role",
			[]discordtest.Option{discordtest.Str("role", "comms"), discordtest.UserOpt("user", bob.ID)}, bob))
		if r.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(text(r.Data), "<@82> holds comms on INC-1 now.") {
			t.Fatalf("alice gave comms: %s", text(r.Data))
		}
		e.drain()
		got, _ := s.GetIncidentByKey(t.Context(), "INC-1")
		if h := got.RoleHolder("comms"); h.Platform != "discord" || h.ID != bob.ID || h.Name != "Bobby" {
			t.Fatalf("comms is %+v", h)
		}
		var card map[string]any
		for _, m := range e.fake.Messages(ch) {
			if m.Pinned {
				card = m.Body
			}
		}
		js, _ := json.Marshal(card)
		if !strings.Contains(string(js), `"name":"Comms","value":"\u003c@82\u003e"`) && !strings.Contains(string(js), `"name":"Comms","value":"<@82>"`) {
			t.Errorf("the card does not show comms: %s", js)
		}
		r = e.signed(e.command(ch, bob, "role", discordtest.Str("role", "comms"), discordtest.Bool("clear", true)))
		if !strings.Contains(text(r.Data), "Nobody holds comms on INC-1 now.") {
			t.Fatalf("bob stepping down: %s", text(r.Data))
		}
		if got, _ := s.GetIncidentByKey(t.Context(), "INC-1"); len(got.Roles) != 0 {
			t.Fatalf("roles %v", got.Roles)
		}
	})
}
