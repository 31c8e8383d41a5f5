package discord

import (
	"strings"
	"unicode/utf8"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// discordMarkers are Discord markdown's emphasis markers.
var discordMarkers = bot.Markers{Bold: [2]string{"**", "**"}, Italic: [2]string{"*", "*"}, Strike: [2]string{"~~", "~~"}}

// markdown renders rich text as Discord markdown. Every piece of data is
// escaped so that nothing a person typed is read as markup, a masked link,
// a mention (user, role, channel, @everyone, @here), a heading or a quote;
// user mentions and the channel ping exist only as spans of the message
// model, and each one is noted in seen (when given) for allowed_mentions.
func markdown(r bot.Rich, seen *mentions) string {
	return bot.RenderRich(r, func(s bot.Span) string { return discordPiece(s, seen) }, discordMarkers)
}

func discordPiece(s bot.Span, seen *mentions) string {
	switch s.Kind {
	case bot.SpanUser:
		if s.User.Platform != Platform || s.User.ID == "" {
			return escapeMarkdown("@" + s.User.Display())
		}
		if seen != nil {
			seen.addUser(s.User.ID)
		}
		return "<@" + s.User.ID + ">"
	case bot.SpanChannel:
		if seen != nil {
			seen.channel = true
		}
		return "@here"
	case bot.SpanLink:
		if s.Text == "" || s.Text == s.URL {
			return "<" + linkTarget(s.URL) + ">"
		}
		return "[" + escapeMarkdown(s.Text) + "](<" + linkTarget(s.URL) + ">)"
	case bot.SpanChannelLink:
		return "<#" + linkTarget(s.URL) + ">"
	}
	if s.Emph&bot.EmCode != 0 {
		return codeSpan(s.Text)
	}
	var b strings.Builder
	bot.SplitURLs(s.Text, func(t string) { b.WriteString(escapeMarkdown(t)) },
		func(u string) { b.WriteString("<" + linkTarget(u) + ">") })
	return b.String()
}

// mdEscaper backslash-escapes the characters Discord markdown reads as
// markup anywhere in a line: emphasis, code, spoilers, masked links,
// quotes, and the "<" that starts a mention, a channel, a role, a
// timestamp, an emoji or a slash command.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, `~`, `\~`, "`", "\\`", `|`, `\|`,
	`[`, `\[`, `]`, `\]`, `<`, `\<`, `>`, `\>`,
	// @everyone and @here would ping if allowed_mentions ever let them;
	// a word joiner keeps them words whatever the settings.
	"@everyone", "@\u2060everyone", "@here", "@\u2060here",
)

// escapeMarkdown makes user text literal in Discord markdown: mdEscaper,
// plus what starts a heading ("# "), a list or small print ("- ", "-# ",
// "1. ") at the start of a line.
func escapeMarkdown(s string) string {
	s = mdEscaper.Replace(incident.Printable(s))
	if !strings.ContainsAny(s, "#-+.") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		body := strings.TrimLeft(line, " ")
		lead := line[:len(line)-len(body)]
		switch {
		case body == "":
		case body[0] == '#' || body[0] == '-' || body[0] == '+':
			lines[i] = lead + `\` + body
		default:
			if j := strings.IndexFunc(body, func(r rune) bool { return r < '0' || r > '9' }); j > 0 && body[j] == '.' {
				lines[i] = lead + body[:j] + `\` + body[j:]
			}
		}
	}
	return strings.Join(lines, "\n")
}

// codeSpan shows s as inline code, or as a code block when it has several
// lines. Inside code nothing is markup and
// backslashes do not escape, so a backtick in s is kept out of the
// delimiters by doubling them, and a mention cannot form.
func codeSpan(s string) string {
	s = incident.Printable(s)
	if strings.Contains(s, "\n") {
		return "```\n" + strings.ReplaceAll(s, "```", "`\u200b``") + "\n```"
	}
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "`") {
		return "`" + s + "`"
	}
	return "`` " + strings.ReplaceAll(s, "``", "`\u200b`") + " ``"
}

// linkTarget makes a URL or ID safe inside <…> and (…).
var linkTarget = strings.NewReplacer("<", "%3C", ">", "%3E", "(", "%28", ")", "%29", " ", "%20").Replace

// plain is rich text as plain words for places Discord does not read
// markdown in (embed footers, button labels, select options).
func plain(r bot.Rich) string { return incident.Printable(r.String()) }

// mentions collects who a text pings, for allowed_mentions.
type mentions struct {
	users   []string
	channel bool
}

func (m *mentions) addUser(id string) {
	for _, u := range m.users {
		if u == id {
			return
		}
	}
	m.users = append(m.users, id)
}

// tokens renders the pings as message content ("<@1> <@2> @here").
func (m *mentions) tokens() string {
	var parts []string
	for _, u := range m.users {
		parts = append(parts, "<@"+u+">")
	}
	if m.channel {
		parts = append(parts, "@here")
	}
	return strings.Join(parts, " ")
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
