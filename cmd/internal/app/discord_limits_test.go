package app

import (
	"testing"
	"unicode/utf8"

	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestDiscordSchemaFitsDiscordsLimits: with every feature switched on, the
// /incident command Discord is asked to register stays inside Discord's
// limits (25 subcommands, 25 options each, names of 1–32 characters,
// descriptions of 1–100). Past them Discord refuses the whole command at
// registration, so the bot would start with no slash command at all: each
// feature adds subcommands, and this is where the next one finds out.
func TestDiscordSchemaFitsDiscordsLimits(t *testing.T) {
	cfg := &config.Config{}
	// Paging targets switch on /incident page.
	cfg.Paging.Targets = map[string]config.PagingTarget{"oncall": {Type: "webhook", URL: "http://127.0.0.1:1/page"}}
	f, err := newFeatures(cfg, storagetest.NewSQLite(t), clock.Real{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cmds := discord.Schema(f.commands())
	if len(cmds) != 1 {
		t.Fatalf("%d commands, want /incident alone", len(cmds))
	}
	subs := cmds[0].Options
	if len(subs) > 25 {
		t.Errorf("/incident has %d subcommands; Discord allows 25", len(subs))
	}
	if len(subs) < 20 {
		t.Errorf("/incident has only %d subcommands: the features' commands are missing", len(subs))
	}
	for _, s := range subs {
		if n := utf8.RuneCountInString(s.Name); n < 1 || n > 32 {
			t.Errorf("subcommand %q: name of %d characters", s.Name, n)
		}
		if n := utf8.RuneCountInString(s.Description); n < 1 || n > 100 {
			t.Errorf("subcommand %q: description of %d characters", s.Name, n)
		}
		if len(s.Options) > 25 {
			t.Errorf("subcommand %q: %d options", s.Name, len(s.Options))
		}
		for _, o := range s.Options {
			if n := utf8.RuneCountInString(o.Description); n < 1 || n > 100 {
				t.Errorf("%s option %q: description of %d characters", s.Name, o.Name, n)
			}
			if len(o.Choices) > 25 {
				t.Errorf("%s option %q: %d choices", s.Name, o.Name, len(o.Choices))
			}
		}
	}
}
