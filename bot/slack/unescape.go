package slack

import (
	"regexp"
	"strings"
)

// Slack sends the text of slash commands and messages escaped (&amp;,
// &lt;, &gt;) and with its own markup in angle brackets: <@U123|name>,
// <!here>, <!subteam^S1|@oncall>, <#C1|general>, <https://x|label>,
// <mailto:a@b|a@b>, <!date^…|fallback>. Stored as is, a title "A & B"
// reads "A &amp; B" everywhere Slack markup means nothing (a plain-text
// header, the web pages, the terminal, exports).
//
// inboundText turns such text into what the person meant, in one pass:
//
//	&amp; &lt; &gt;             & < >
//	<!here> <!channel>          the plain words @here @channel @everyone
//	<!everyone>
//	<!subteam^S1|@oncall>       @oncall
//	<#C1|general>               #general
//	<url|label>                 label (url): a label never hides its target
//	<url>                       url
//	<!date^…|fallback>          fallback
//	<@U123> <@U123|name>        kept, as <@U123|name> (the command parser
//	                            reads mention arguments from it)
//
// Characters that came from entities are never read again as markup: a
// typed "<@U999>" arrives as "&lt;@U999&gt;", and its "<" is written as
// "‹" (U+2039) wherever it would start markup (a mention "<@", "<!", "<#",
// or a link "<https:…"), so what someone typed can never become a mention
// of someone else or a link whose label hides its target. "<script>" and
// "a<b" stay as typed.
//
// Modal input values are not escaped by Slack and do not go through here.
func inboundText(s string) string {
	if !strings.ContainsAny(s, "&<") {
		return s
	}
	var w textWriter
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			n := w.entity(s[i:])
			i += n
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				w.literal("<")
				i++
				continue
			}
			w.markup(s[i+1 : i+end])
			i += end + 1
		default:
			j := i + 1
			for j < len(s) && s[j] != '&' && s[j] != '<' {
				j++
			}
			w.literal(s[i:j])
			i = j
		}
	}
	return w.String()
}

// textWriter builds decoded text. A "<" that stands for itself is held
// back until what follows is known: where it would open markup it is
// written as "‹".
type textWriter struct {
	b         strings.Builder
	pendingLT bool
}

// neutralLT is what a literal "<" becomes where it would open a mention.
const neutralLT = "‹"

func (w *textWriter) flush(next string) {
	if !w.pendingLT {
		return
	}
	w.pendingLT = false
	if opensMarkup(next) {
		w.b.WriteString(neutralLT)
		return
	}
	w.b.WriteByte('<')
}

// markupStartRe matches what, after a "<", makes chat markup: a mention or
// special (@, !, #; Discord's <@&role> too) or a link (a URL scheme, which
// also covers Discord's <t:…> timestamps).
var markupStartRe = regexp.MustCompile(`^(?:[@!#]|[A-Za-z][A-Za-z0-9+.-]*:)`)

func opensMarkup(next string) bool { return markupStartRe.MatchString(next) }

// literal writes text that stands for itself; a "<" in it is held back.
func (w *textWriter) literal(s string) {
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			if s != "" {
				w.flush(s)
				w.b.WriteString(s)
			}
			return
		}
		w.flush(s[:i+1])
		w.b.WriteString(s[:i])
		w.pendingLT = true
		s = s[i+1:]
	}
}

// entity decodes one of Slack's three entities at the start of s (any
// other "&" stands for itself) and returns how many bytes it took.
func (w *textWriter) entity(s string) int {
	for _, e := range [...]struct{ name, char string }{{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}} {
		if strings.HasPrefix(s, e.name) {
			w.literal(e.char)
			return len(e.name)
		}
	}
	w.literal("&")
	return 1
}

// decoded writes Slack-escaped text (a label, a link) as literal text.
func (w *textWriter) decoded(s string) {
	for i := 0; i < len(s); {
		if s[i] == '&' {
			i += w.entity(s[i:])
			continue
		}
		j := i + 1
		for j < len(s) && s[j] != '&' {
			j++
		}
		w.literal(s[i:j])
		i = j
	}
}

// markup writes what the inside of one <…> means.
func (w *textWriter) markup(in string) {
	target, label, hasLabel := strings.Cut(in, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		if id := target[1:]; isSlackID(id) {
			w.flush("<")
			w.b.WriteString("<@" + id)
			if name := mentionName(label); hasLabel && name != "" {
				w.b.WriteString("|" + name)
			}
			w.b.WriteString(">")
			return
		}
		w.decoded(in)
	case target == "!here", target == "!channel", target == "!everyone":
		w.literal("@" + target[1:])
	case strings.HasPrefix(target, "!subteam^"):
		if hasLabel && label != "" {
			w.decoded(label)
		} else {
			w.literal("@" + strings.TrimPrefix(target, "!subteam^"))
		}
	case strings.HasPrefix(target, "!"):
		// <!date^…|fallback> and any other special: the readable part.
		if hasLabel {
			w.decoded(label)
		} else {
			w.literal("@" + target[1:])
		}
	case strings.HasPrefix(target, "#"):
		w.literal("#")
		if hasLabel && label != "" {
			w.decoded(label)
		} else {
			w.decoded(target[1:])
		}
	default:
		w.link(target, label, hasLabel)
	}
}

// link writes <url|label> as "label (url)", or the URL alone when there is
// no label or the label only repeats it (as Slack's automatic links do:
// <http://x.com|x.com>, <mailto:a@b|a@b>).
func (w *textWriter) link(url, label string, hasLabel bool) {
	bare := url
	if _, rest, ok := strings.Cut(url, "://"); ok {
		bare = rest
	} else if rest, ok := strings.CutPrefix(url, "mailto:"); ok {
		bare = rest
	}
	switch {
	case !hasLabel || label == "" || label == url:
		w.decoded(url)
	case label == bare || label == strings.TrimSuffix(bare, "/"):
		w.decoded(label)
	default:
		w.decoded(label)
		w.literal(" (")
		w.decoded(url)
		w.literal(")")
	}
}

// isSlackID reports a Slack user ID: U or W and upper-case letters and
// digits.
func isSlackID(s string) bool {
	if len(s) < 2 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, c := range s[1:] {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// mentionName is a mention's display name, decoded, without the
// characters that would end the mention early.
func mentionName(label string) string {
	var w textWriter
	w.decoded(label)
	return strings.Map(func(r rune) rune {
		if r == '<' || r == '>' || r == '|' {
			return -1
		}
		return r
	}, w.String())
}

// String returns the decoded text.
func (w *textWriter) String() string {
	w.flush("")
	return w.b.String()
}
