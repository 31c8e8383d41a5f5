package discord_test

import (
	"encoding/json"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/conformance/scenario"
	"github.com/tourniquet/tourniquet/internal/goldenfile"
)

// registered decodes the bulk overwrite the fake received.
func registered(t *testing.T, e *env, path string) []*discordgo.ApplicationCommand {
	t.Helper()
	puts := e.fake.Find("PUT", path)
	if len(puts) != 1 {
		t.Fatalf("PUT %s: %d requests (all: %+v)", path, len(puts), e.fake.Requests())
	}
	if puts[0].Auth != "Bot "+botToken {
		t.Fatalf("authorization %q", puts[0].Auth)
	}
	var cmds []*discordgo.ApplicationCommand
	if err := json.Unmarshal(puts[0].Body, &cmds); err != nil {
		t.Fatal(err)
	}
	return cmds
}

func sub(cmd *discordgo.ApplicationCommand, name string) *discordgo.ApplicationCommandOption {
	for _, o := range cmd.Options {
		if o.Name == name {
			return o
		}
	}
	return nil
}

func opt(s *discordgo.ApplicationCommandOption, name string) *discordgo.ApplicationCommandOption {
	for _, o := range s.Options {
		if o.Name == name {
			return o
		}
	}
	return nil
}

func TestRegisterCommandsInTheGuildByBulkOverwrite(t *testing.T) {
	s, clk := sqlite(t), clock.NewFake(t0)
	w := scenario.New(t, s, clk, nil) // every feature's commands, as the binary wires them
	e := newReplica(t, s, discordtest.New(t, botToken, appID), discordtest.NewKey(), clk, func(o *discord.Options) { o.Engine = w.Engine })
	if err := e.a.RegisterCommands(t.Context()); err != nil {
		t.Fatal(err)
	}
	cmds := registered(t, e, "applications/"+appID+"/guilds/"+guildID+"/commands")
	if len(cmds) != 1 || cmds[0].Name != "incident" || cmds[0].Type != discordgo.ChatApplicationCommand {
		t.Fatalf("commands %+v", cmds)
	}
	inc := cmds[0]
	for _, name := range []string{"declare", "sev", "lead", "update", "note", "mitigated", "regressed", "diagnosed",
		"fail-forward", "impact-started", "services", "actions", "run", "status", "timeline", "resolve", "help"} {
		s := sub(inc, name)
		if s == nil || s.Type != discordgo.ApplicationCommandOptionSubCommand || s.Description == "" {
			t.Errorf("subcommand %s: %+v", name, s)
		}
	}
	declare := sub(inc, "declare")
	if title := opt(declare, "title"); title == nil || title.Type != discordgo.ApplicationCommandOptionString || !title.Required {
		t.Errorf("declare title %+v", title)
	}
	sev := opt(declare, "severity")
	if sev == nil || len(sev.Choices) != 4 || sev.Choices[0].Value != "sev1" || sev.Choices[3].Value != "sev4" {
		t.Errorf("severity choices %+v", sev)
	}
	if lead := opt(sub(inc, "lead"), "user"); lead == nil || lead.Type != discordgo.ApplicationCommandOptionUser || !lead.Required {
		t.Errorf("lead option %+v", lead)
	}
	if o := opt(sub(inc, "status"), "incident"); o == nil || o.Required {
		t.Errorf("status takes an optional incident: %+v", o)
	}
	// Required options come first, as Discord demands.
	for _, s := range inc.Options {
		seenOptional := false
		for _, o := range s.Options {
			if !o.Required {
				seenOptional = true
			} else if seenOptional {
				t.Errorf("%s: required option %s after an optional one", s.Name, o.Name)
			}
		}
	}
	if e.a.Ready(false) != nil {
		t.Fatal("not ready after registering")
	}
}

func TestRegisterCommandsGloballyAndLearnTheAppID(t *testing.T) {
	e := newEnv(t, sqlite(t), func(o *discord.Options) { o.GuildID, o.AppID = "", "" })
	if err := e.a.RegisterCommands(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(e.fake.Find("GET", "applications/@me")) != 1 {
		t.Fatal("application ID not looked up")
	}
	registered(t, e, "applications/"+appID+"/commands")
}

// The registered /incident is built from the engine's commands (every
// feature's, as the binary wires them); testdata/schema.golden is the
// schema as it was when it was a hand-kept table, kept byte for byte.
func TestSchemaFromTheCommands(t *testing.T) {
	w := scenario.New(t, sqlite(t), clock.NewFake(t0), nil)
	got, err := json.MarshalIndent(discord.Schema(w.Engine.Commands()), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	goldenfile.Assert(t, "schema.golden", string(got))
}
