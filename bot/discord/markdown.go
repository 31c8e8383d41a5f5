package discord

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// The message model's text is chat markdown as typed in Slack: *bold*,
// _italic_, ~strike~, `code`, <url|label>. Discord reads **bold**, _italic_,
// ~~strike~~, `code`, [label](url).

var (
	codeSpanRe = regexp.MustCompile("`[^`\n]+`")
	// Markers count only at word boundaries so that identifiers such as
	// status_update or 2*3*4 are left alone (as in the terminal adapter).
	boldRe   = regexp.MustCompile(`(^|[\s(\["'])\*([^*\s](?:[^*\n]*[^*\s])?)\*($|[\s)\]"'.,:;!?])`)
	strikeRe = regexp.MustCompile(`(^|[\s(\["'])~([^~\s](?:[^~\n]*[^~\s])?)~($|[\s)\]"'.,:;!?])`)
	linkRe   = regexp.MustCompile(`<(https?://[^|>\s]+)\|([^>]+)>`)
)

// markdown converts one text of the message model to Discord markdown,
// leaving code spans as they are.
func markdown(s string) string {
	var b strings.Builder
	last := 0
	for _, loc := range codeSpanRe.FindAllStringIndex(s, -1) {
		b.WriteString(emphasis(s[last:loc[0]]))
		b.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(emphasis(s[last:]))
	return b.String()
}

func emphasis(s string) string {
	s = linkRe.ReplaceAllString(s, "[$2]($1)")
	for _, e := range []struct {
		re   *regexp.Regexp
		repl string
	}{{boldRe, "$1**$2**$3"}, {strikeRe, "$1~~$2~~$3"}} {
		// A boundary character that closes one span may open the next; the
		// regexp consumed it, so go again (bounded).
		for range 4 {
			next := e.re.ReplaceAllString(s, e.repl)
			if next == s {
				break
			}
			s = next
		}
	}
	return s
}

// plain drops chat markup for places Discord shows as plain text (embed
// titles, footers, button labels).
func plain(s string) string {
	s = linkRe.ReplaceAllString(s, "$2")
	s = boldRe.ReplaceAllString(s, "$1$2$3")
	s = strings.ReplaceAll(s, "`", "")
	return bot.PlainMentions(s)
}

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

// renderMentions replaces mention tokens: Discord users become <@id> (and
// are noted in seen, if given), users of other platforms @name, the channel
// token @here.
func renderMentions(s string, seen *mentions) string {
	if seen != nil && strings.Contains(s, bot.MentionChannel) {
		seen.channel = true
	}
	return bot.RenderMentions(s, func(a incident.Actor) string {
		if a.Platform != incident.PlatformDiscord {
			return "@" + a.Display()
		}
		if seen != nil {
			seen.addUser(a.ID)
		}
		return "<@" + a.ID + ">"
	}, "@here")
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
