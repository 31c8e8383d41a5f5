package discord_test

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
)

// Over signed Discord interactions: resolving with impact ongoing asks
// first, with a button that fits Discord's 100 characters and carries no
// summary; clicking it resolves with the summary typed; the typed option
// ongoing:true resolves at once.
func TestDiscordResolveWithImpactOngoingAsksFirst(t *testing.T) {
	e := newEnv(t, sqlite(t), nil)
	r := e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors"), discordtest.Bool("here", true)))
	if !strings.Contains(text(r.Data), "Declared INC-1") {
		t.Fatalf("declare: %s", text(r.Data))
	}
	summary := strings.Repeat("rolled back the flag and rebuilt the cache; ", 5)
	r = e.signed(e.command(lobby, alice, "resolve", discordtest.Str("summary", summary)))
	if got := text(r.Data); !strings.Contains(got, "was never mitigated") || !strings.Contains(got, "resolve --ongoing") {
		t.Fatalf("resolve with impact ongoing: %s", got)
	}
	var customID string
	for _, row := range r.Data.Components {
		for _, c := range row.Components {
			if b, ok := c.(*discordgo.Button); ok && b.Label == "Resolve with impact ongoing" {
				customID = b.CustomID
			}
		}
	}
	if customID == "" || len(customID) > 100 || strings.Contains(customID, "cache") {
		t.Fatalf("confirm button custom_id %q", customID)
	}
	if k := e.kinds("INC-1"); strings.Contains(strings.Join(k, " "), "resolved") {
		t.Fatalf("resolved before the confirmation: %v", k)
	}
	r = e.signed(discordtest.Click(e.nextID(), appID, guildID, lobby, alice, customID, nil, nil, true))
	if got := text(r.Data); !strings.Contains(got, "Resolved INC-1 with customer impact ongoing") {
		t.Fatalf("confirm: %s", got)
	}
	evs := e.events("INC-1")
	last := evs[len(evs)-1]
	if string(last.Kind) != "resolved" || last.Data["ongoing_confirmed_by"] != "discord:"+alice.ID || !strings.HasPrefix(last.Text, "rolled back the flag") {
		t.Fatalf("resolved event %+v", last)
	}

	// The typed option confirms at once.
	r = e.signed(e.command("900777", alice, "declare", discordtest.Str("title", "Search slow"), discordtest.Bool("here", true)))
	if !strings.Contains(text(r.Data), "Declared INC-2") {
		t.Fatalf("declare: %s", text(r.Data))
	}
	r = e.signed(e.command("900777", alice, "resolve", discordtest.Str("summary", "client bug"), discordtest.Bool("ongoing", true)))
	if got := text(r.Data); !strings.Contains(got, "Resolved INC-2 with customer impact ongoing") {
		t.Fatalf("resolve ongoing:true: %s", got)
	}
}
