package discord_test

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
)

// /incident rename is registered with a title option and reaches the
// engine as "rename <title>", scoped like the other incident commands.
func TestRenameSubcommand(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	if err := e.a.RegisterCommands(t.Context()); err != nil {
		t.Fatal(err)
	}
	cmds := registered(t, e, "applications/"+appID+"/guilds/"+guildID+"/commands")
	rename := sub(cmds[0], "rename")
	if rename == nil || rename.Type != discordgo.ApplicationCommandOptionSubCommand || rename.Description == "" {
		t.Fatalf("rename subcommand: %+v", rename)
	}
	if title := opt(rename, "title"); title == nil || !title.Required || title.Type != discordgo.ApplicationCommandOptionString || title.MaxLength != 200 {
		t.Fatalf("rename title option: %+v", title)
	}
	if o := opt(rename, "incident"); o == nil || o.Required {
		t.Fatalf("rename takes an optional incident: %+v", o)
	}

	if r := e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors"))); !strings.Contains(text(r.Data), "Declared INC-1") {
		t.Fatalf("declare: %q", text(r.Data))
	}
	e.drain()
	r := e.signed(e.command(lobby, alice, "rename", discordtest.Str("title", "Payments provider outage"), discordtest.Str("incident", "INC-1")))
	if got := text(r.Data); !strings.Contains(got, `Renamed INC-1 to "Payments provider outage"`) {
		t.Fatalf("rename answer: %q", got)
	}
	inc, err := e.store.GetIncidentByKey(t.Context(), "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "Payments provider outage" {
		t.Fatalf("title %q", inc.Title)
	}
}
