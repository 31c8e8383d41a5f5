package discord_test

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/incident"
)

// Every command /incident help lists can be typed on Discord: the
// registered schema has a subcommand for each.
func TestEveryHelpCommandIsRegistered(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	if err := e.a.RegisterCommands(t.Context()); err != nil {
		t.Fatal(err)
	}
	inc := registered(t, e, "applications/"+appID+"/guilds/"+guildID+"/commands")[0]
	for _, name := range bot.HelpCommands() {
		if s := sub(inc, name); s == nil || s.Type != discordgo.ApplicationCommandOptionSubCommand || s.Description == "" {
			t.Errorf("/incident help lists %s, but Discord has no such subcommand", name)
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
	ch, ok := inc.ChannelOn(incident.PlatformDiscord)
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
