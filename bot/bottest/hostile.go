package bottest

import (
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Hostile is text a workspace member might type to make the bot ping,
// spoof a link, or inject markup, HTML or terminal control codes: the
// engine's own old mention tokens, every platform's mention, link and
// markup syntax, HTML, and invisible or reordering characters. Renderer
// tests feed each string through the message builders and check that it
// comes out as the same words, never as a ping, a link label or markup.
var Hostile = []string{
	"<!channel> wake up",
	"<!here> <!everyone>",
	"<!subteam^S0123ABC|@oncall> please",
	"<@U999> <@U999|boss> <@W123>",
	"<@discord:4999|x> <@slack:U1|alice>",
	"<http://evil.example|Approve rollback here>",
	"<https://evil.example/a?b=1&c=2|https://status.example.com>",
	"<mailto:ceo@evil.example|CEO>",
	"<#C0123ABCD|general> <#123456789012345678>",
	"@everyone @here @channel",
	"<@4999> <@!4999> <@&123456> role ping",
	"[Approve rollback](https://evil.example) and ![x](http://evil.example/t.png)",
	"[x](javascript:alert(1))",
	"**bold** __under__ ||spoiler|| ~~gone~~ *em* _it_ `code` ```block```",
	"> quoted\n# Heading\n-# small print\n- list\n1. numbered",
	"<script>alert(1)</script> <img src=x onerror=alert(1)>",
	"a & b < c > d &amp; &lt;b&gt;",
	"<t:1700000000:R> </incident:123> <:custom:123>",
	"\x1b[31mred\x1b[0m \x07bell \x1b]0;title\x07",
	"zero\u200bwidth\u2060joiner\ufeffbom",
	"rtl \u202egnp.exe\u202c \u2066isolate\u2069",
	"emoji 👩\u200d💻 and \\ backslash | pipe",
	"line one\nline two",
}

// HostileMessages builds, with the engine's own builders, the messages a
// hostile string s reaches when a person types it: an incident titled s,
// with s as its cause and resolution, led by someone whose display name is
// s; the channel lines of a note, an update and a mitigation saying s; the
// timeline; and an error quoting s. lead is the lead's platform and ID.
func HostileMessages(s string, lead incident.Actor) []bot.Message {
	at := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	lead.Name = s
	inc, decl, _ := incident.Declare(at, lead, incident.Sev1, s)
	inc.ID, inc.Key = 7, "INC-7"
	note, _ := inc.Note(at.Add(time.Minute), lead, s)
	upd, _ := inc.Update(at.Add(2*time.Minute), lead, s)
	card := bot.IncidentCard(inc, at.Add(3*time.Minute), []bot.ActionButton{{ID: "rollback", Title: s, Confirm: s}})
	mit, _ := inc.Mitigate(at.Add(4*time.Minute), lead, s)
	diag, _ := inc.Diagnose(at.Add(5*time.Minute), lead, s)
	res, _ := inc.Resolve(at.Add(6*time.Minute), lead, s)
	evs := []incident.Event{decl, note, upd, mit, diag, res}
	var lines bot.Message
	for _, ev := range evs {
		lines.Text(bot.EventLine(inc, ev, at.Add(7*time.Minute)))
	}
	return []bot.Message{
		card,
		lines,
		bot.IncidentCard(inc, at.Add(7*time.Minute), nil),
		bot.TimelineMessage(inc, evs, at.Add(7*time.Minute), "https://tq.example.com/incidents/INC-7"),
		bot.ErrorReply("There is no action %q for %s.", s, inc.Key).Message,
		{Fallback: s},
	}
}
