package discord_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/goldenfile"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// discordSyntaxRe finds what Discord reads as a mention, a channel, a
// role, a timestamp, a slash command, a custom emoji, a masked link or a
// bare @everyone/@here, when not escaped by a backslash.
var discordSyntaxRe = regexp.MustCompile(`(^|[^\\])(<[@#!:/t&a]|\]\(|@everyone|@here)`)

// TestHostileTextIsData: whatever a person types reaches Discord escaped:
// no mention, role, channel, masked link, @everyone or @here forms, and
// allowed_mentions names only the users the bot itself mentions (the lead,
// by ID, never by the typed name).
func TestHostileTextIsData(t *testing.T) {
	lead := incident.Actor{Platform: discord.Platform, ID: "81"}
	var golden bytes.Buffer
	for _, s := range bottest.Hostile {
		for i, m := range bottest.HostileMessages(s, lead) {
			r := discord.Render(m)
			if am := r.AllowedMentions; len(am.Parse) != 0 || len(am.Roles) != 0 || len(am.Users) > 1 || (len(am.Users) == 1 && am.Users[0] != "81") {
				t.Errorf("%q message %d: allowed_mentions %+v", s, i, am)
			}
			var texts []string
			texts = append(texts, r.Content)
			for _, e := range r.Embeds {
				texts = append(texts, e.Title, e.Description)
				for _, f := range e.Fields {
					texts = append(texts, f.Name, f.Value)
				}
			}
			for _, text := range texts {
				for _, loc := range discordSyntaxRe.FindAllStringSubmatchIndex(text, -1) {
					tok := text[loc[4]:min(loc[4]+12, len(text))]
					if strings.HasPrefix(tok, "<@81>") {
						continue
					}
					t.Errorf("%q message %d: unescaped %q in %q", s, i, tok, text)
				}
				if strings.ContainsAny(text, "\x1b\x07\u202e") {
					t.Errorf("%q message %d: control characters reach Discord: %q", s, i, text)
				}
			}
			raw, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Write(raw)
			golden.WriteByte('\n')
		}
	}
	goldenfile.Assert(t, "hostile.golden", golden.String())
}

// TestTypedMentionsDoNotPing drives it as the attacker did: a note
// "<!channel> wake up" and "<@discord:4999|x>" (the engine's old mention
// tokens), "@everyone" and "<@4999>" typed into /incident note. The
// posted line pings nobody and shows the words.
func TestTypedMentionsDoNotPing(t *testing.T) {
	e := newEnv(t, storagetest.NewSQLite(t), nil)
	e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors @everyone"), discordtest.Str("severity", "sev1")))
	e.drain()
	chans := e.fake.ChannelsNamed("inc-1-checkout-errors-everyone")
	if len(chans) != 1 {
		t.Fatalf("channels %v", chans)
	}
	ch := chans[0].ID
	hostile := "<!channel> wake up <@discord:4999|x> @everyone @here <@4999> <@&77> [Approve](https://evil.example)"
	e.signed(e.command(ch, alice, "note", discordtest.Str("text", hostile)))
	e.drain()
	var sent int
	for _, c := range []string{ch, announce} {
		for _, m := range e.fake.Messages(c) {
			sent++
			raw, _ := json.Marshal(m.Body)
			am, _ := m.Body["allowed_mentions"].(map[string]any)
			if parse, _ := am["parse"].([]any); len(parse) != 0 {
				t.Errorf("message in %s lets %v ping: %s", c, parse, raw)
			}
			if users, _ := am["users"].([]any); len(users) > 1 || (len(users) == 1 && users[0] != "81") {
				t.Errorf("message in %s pings %v: %s", c, users, raw)
			}
			for _, bad := range []string{`"<@4999>`, ` <@4999>`, "<@&77>", "](https://evil", "@everyone", "@here"} {
				if strings.Contains(string(raw), bad) {
					t.Errorf("message in %s carries %s unescaped: %s", c, bad, raw)
				}
			}
		}
	}
	if sent < 3 {
		t.Fatalf("%d messages sent", sent)
	}
}
