package discord

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

func buttons(prefix string, n int) []bot.Button {
	var out []bot.Button
	for i := range n {
		out = append(out, bot.Button{Label: fmt.Sprintf("%s %d", prefix, i), Command: fmt.Sprintf("run %s-%d", prefix, i)})
	}
	return out
}

func TestComponentGrid(t *testing.T) {
	t.Run("more than five rows: the rest in one menu", func(t *testing.T) {
		var m bot.Message
		for i := range 7 {
			m.Buttons(buttons(fmt.Sprintf("r%d", i), 2)...)
		}
		rows := components(m)
		if len(rows) != 5 {
			t.Fatalf("%d rows", len(rows))
		}
		menu, ok := rows[4].(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu)
		if !ok || len(menu.Options) != 6 || menu.Options[0].Value != "run r4-0" || menu.Options[5].Value != "run r6-1" {
			t.Fatalf("last row %+v", rows[4])
		}
	})
	t.Run("a long row spills into menus of 25", func(t *testing.T) {
		var m bot.Message
		m.Buttons(buttons("a", 32)...)
		rows := components(m)
		if len(rows) != 3 || len(rows[0].(discordgo.ActionsRow).Components) != 5 {
			t.Fatalf("rows %+v", rows)
		}
		if menu := rows[1].(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu); len(menu.Options) != 25 {
			t.Fatalf("menu of %d, want the 25 Discord allows", len(menu.Options))
		}
		if menu := rows[2].(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu); len(menu.Options) != 2 || menu.Options[1].Value != "run a-31" {
			t.Fatalf("second menu %+v, want the last two", menu.Options)
		}
	})
	t.Run("duplicates shown once, unencodable ones disabled", func(t *testing.T) {
		var m bot.Message
		m.Buttons(bot.Button{Label: "Timeline", Command: "timeline"}, bot.Button{Label: "Timeline again", Command: "timeline"},
			bot.Button{Label: "Too long", Command: "run " + strings.Repeat("x", 120)})
		row := components(m)[0].(discordgo.ActionsRow)
		if len(row.Components) != 2 {
			t.Fatalf("row %+v", row)
		}
		if b := row.Components[1].(discordgo.Button); !b.Disabled || !strings.HasPrefix(b.CustomID, offPrefix) {
			t.Fatalf("too-long button %+v", b)
		}
	})
}

func TestCustomIDRoundTrip(t *testing.T) {
	long := strings.Repeat("Really sure? ", 20)
	for _, b := range []bot.Button{
		{Command: "mitigated"},
		{Command: "answer ck-1 yes"},
		{Command: "run rollback", Confirm: &bot.Confirm{Text: "Roll back checkout-api?"}},
		{Command: "regressed", Confirm: &bot.Confirm{Title: "Impact is back?", Text: long}},
		{Command: "run x", Confirm: &bot.Confirm{Title: "Only a title"}},
	} {
		id, ok := customID(b)
		if !ok || len(id) > maxCustomID {
			t.Fatalf("%q: %q %v", b.Command, id, ok)
		}
		c, ok := decodeCustomID(id)
		if !ok || c.command != b.Command || c.ask != (b.Confirm != nil) {
			t.Fatalf("%q decoded as %+v", id, c)
		}
		if b.Confirm != nil && c.question == "" {
			t.Errorf("%q lost its question", id)
		}
	}
	for _, bad := range []string{"~menu:1", "~off:1", "?", ""} {
		if _, ok := decodeCustomID(bad); ok {
			t.Errorf("%q decoded", bad)
		}
	}
	if c, ok := decodeCustomID(dismissID); !ok || !c.dismiss {
		t.Error("dismiss")
	}
}

func TestMarkdown(t *testing.T) {
	for want, in := range map[string]bot.Rich{
		"**Is customer impact mitigated?** Stop the bleeding": bot.Textf("*%s* Stop the bleeding", "Is customer impact mitigated?"),
		"*italic* stays":                          bot.Textf("_italic_ stays"),
		"status\\_update and 2\\*3\\*4 stay":      bot.Plain("status_update and 2*3*4 stay"),
		"`*code*` is left alone":                  bot.Textf("`*code*` is left alone"),
		"~~gone~~ and [a link](<https://x.y/z>)":  bot.Textf("~gone~ and %s", bot.Link("https://x.y/z", "a link")),
		"**one** and **two**":                     bot.Textf("*one* and *two*"),
		"see <https://dash.example.com/a_b?x=1>.": bot.Plain("see https://dash.example.com/a_b?x=1."),
	} {
		if got := markdown(in, nil); got != want {
			t.Errorf("markdown(%q) = %q, want %q", in.String(), got, want)
		}
	}
}

func TestMentions(t *testing.T) {
	m := bot.Message{}
	m.Textf("Escalating: %s and %s %s", incidentActor("discord", "81", "alice"), incidentActor("slack", "U1", "sam"), bot.Here())
	r := Render(m)
	if r.Content != "Escalating: <@81> and @sam @here" {
		t.Fatalf("content %q", r.Content)
	}
	if len(r.AllowedMentions.Users) != 1 || r.AllowedMentions.Users[0] != "81" || len(r.AllowedMentions.Parse) != 1 {
		t.Fatalf("allowed %+v", r.AllowedMentions)
	}
	// Text typed by users never pings: only mentions the bot made count.
	var typed bot.Message
	typed.Textf("📝 note: %s", "@everyone <@999> look")
	if r := Render(typed); len(r.AllowedMentions.Parse) != 0 || len(r.AllowedMentions.Users) != 0 || strings.Contains(r.Content, "<@999>") {
		t.Fatalf("typed mentions allowed: %q %+v", r.Content, r.AllowedMentions)
	}
}

func incidentActor(platform, id, name string) incident.Actor {
	return incident.Actor{Platform: platform, ID: id, Name: name}
}
