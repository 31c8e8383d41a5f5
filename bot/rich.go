package bot

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
)

// Rich is message text as structured spans: literal text with emphasis,
// mentions of users, the channel-wide ping, and links. It is how the
// message model keeps user text apart from markup: a span's Text is always
// literal, so every renderer escapes it for its platform, and a mention or
// a link exists only when the bot built one (User, Here, Link), never
// because a person typed the characters of one.
type Rich []Span

// SpanKind says what a span is.
type SpanKind string

// Span kinds.
const (
	// SpanText is literal text.
	SpanText SpanKind = ""
	// SpanUser mentions Span.User (a ping on the user's own platform).
	SpanUser SpanKind = "user"
	// SpanChannel notifies everyone in the channel (@channel, @here).
	SpanChannel SpanKind = "channel"
	// SpanLink links Span.URL, shown as Span.Text. Only the bot makes
	// links; their labels are the bot's words.
	SpanLink SpanKind = "link"
	// SpanChannelLink links the channel whose platform ID is Span.URL
	// (Slack <#C1>, Discord <#1>), on the platform the message goes to.
	SpanChannelLink SpanKind = "channel_link"
)

// Emph is a span's emphasis, a set of flags.
type Emph uint8

// Emphasis flags.
const (
	EmBold Emph = 1 << iota
	EmItalic
	EmStrike
	EmCode
)

// Span is one piece of rich text.
type Span struct {
	Kind SpanKind       `json:"kind,omitempty"`
	Text string         `json:"text,omitempty"`
	Emph Emph           `json:"emph,omitempty"`
	User incident.Actor `json:"user,omitzero"`
	URL  string         `json:"url,omitempty"`
}

// Plain is text that is data: shown exactly as written on every platform.
func Plain(s string) Rich {
	if s == "" {
		return nil
	}
	return Rich{{Text: s}}
}

// User is a mention of a: a ping on a's own platform, the name elsewhere.
// A zero actor reads "nobody".
func User(a incident.Actor) Span {
	if a.IsZero() {
		return Span{Text: "nobody"}
	}
	return Span{Kind: SpanUser, User: a}
}

// Here notifies everyone in the channel (Slack @channel, Discord @here).
func Here() Span { return Span{Kind: SpanChannel} }

// Link is a link to url labelled label (the URL itself when label is
// empty). Only the bot's own words may be a label.
func Link(url, label string) Span { return Span{Kind: SpanLink, URL: url, Text: label} }

// ChannelLink links a channel by its platform ID, in a message sent to
// that platform.
func ChannelLink(channelID string) Span { return Span{Kind: SpanChannelLink, URL: channelID} }

// Code is literal text shown as code.
func Code(s string) Span { return Span{Text: s, Emph: EmCode} }

// Textf builds rich text from a format that is the bot's own markup and
// arguments that are data. The format may use *bold*, _italic_, ~strike~
// and `code` (a backslash makes the next character literal); every verb
// (%s, %d, %v, %q, …) inserts the next argument with the emphasis around
// it, never reading it as markup:
//
//   - string, error, fmt.Stringer, numbers: literal text (formatted with
//     the verb as fmt would, so %q quotes and %5d pads);
//   - incident.Actor: a mention (User);
//   - Span, Rich: as built.
//
// Nothing in an argument can become a mention, a link or markup.
func Textf(format string, args ...any) Rich {
	var (
		out  Rich
		lit  strings.Builder
		emph Emph
		next int
	)
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, Span{Text: lit.String(), Emph: emph})
			lit.Reset()
		}
	}
	toggle := func(e Emph) {
		flush()
		emph ^= e
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		code := emph&EmCode != 0
		switch {
		case c == '\\' && i+1 < len(format):
			i++
			lit.WriteByte(format[i])
		case c == '`':
			toggle(EmCode)
		case c == '*' && !code:
			toggle(EmBold)
		case c == '_' && !code:
			toggle(EmItalic)
		case c == '~' && !code:
			toggle(EmStrike)
		case c == '%' && i+1 < len(format) && format[i+1] == '%':
			i++
			lit.WriteByte('%')
		case c == '%':
			j := i + 1
			for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
				j++
			}
			if j == len(format) {
				lit.WriteString(format[i:])
				i = j
				continue
			}
			verb := format[i : j+1]
			i = j
			flush()
			if next >= len(args) {
				out = append(out, Span{Text: "%!" + string(format[j]) + "(MISSING)", Emph: emph})
				continue
			}
			out = append(out, spansOf(args[next], verb, emph)...)
			next++
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	if next < len(args) {
		out = append(out, Span{Text: fmt.Sprintf("%%!(EXTRA %d)", len(args)-next)})
	}
	return out
}

// spansOf is one Textf argument as spans, with emph added.
func spansOf(arg any, verb string, emph Emph) Rich {
	switch v := arg.(type) {
	case Rich:
		out := make(Rich, len(v))
		for i, s := range v {
			s.Emph |= emph
			out[i] = s
		}
		return out
	case Span:
		v.Emph |= emph
		return Rich{v}
	case incident.Actor:
		s := User(v)
		s.Emph |= emph
		return Rich{s}
	case string:
		if verb == "%s" || verb == "%v" {
			return Rich{{Text: v, Emph: emph}}
		}
	}
	return Rich{{Text: fmt.Sprintf(verb, arg), Emph: emph}}
}

// String is the text as plain words: mentions as @name, the channel ping as
// @channel, links as "label (url)". For notifications, plain-text places
// (headers, button labels) and the terminal.
func (r Rich) String() string {
	var b strings.Builder
	for _, s := range r {
		b.WriteString(s.Plain())
	}
	return b.String()
}

// Plain is the span as plain words (see Rich.String).
func (s Span) Plain() string {
	switch s.Kind {
	case SpanUser:
		return "@" + s.User.Display()
	case SpanChannel:
		return "@channel"
	case SpanLink:
		if s.Text == "" || s.Text == s.URL {
			return s.URL
		}
		return s.Text + " (" + s.URL + ")"
	case SpanChannelLink:
		return "#" + s.URL
	}
	return s.Text
}

// IsEmpty reports whether r shows nothing but white space.
func (r Rich) IsEmpty() bool {
	for _, s := range r {
		if s.Kind != SpanText || strings.TrimSpace(s.Text) != "" {
			return false
		}
	}
	return true
}

// Join concatenates parts with sep (literal text) between them.
func Join(sep string, parts ...Rich) Rich {
	var out Rich
	for i, p := range parts {
		if i > 0 && sep != "" {
			out = append(out, Span{Text: sep})
		}
		out = append(out, p...)
	}
	return out
}

// Mentions lists the users r pings, in order, once each.
func (r Rich) Mentions() []incident.Actor {
	var out []incident.Actor
	for _, s := range r {
		if s.Kind != SpanUser {
			continue
		}
		seen := false
		for _, a := range out {
			seen = seen || a.Same(s.User)
		}
		if !seen {
			out = append(out, s.User)
		}
	}
	return out
}

// PingsChannel reports whether r notifies the whole channel.
func (r Rich) PingsChannel() bool {
	for _, s := range r {
		if s.Kind == SpanChannel {
			return true
		}
	}
	return false
}

// UnmarshalJSON reads rich text, or a plain string as written by earlier
// versions (a message waiting in the outbox across an upgrade): such text
// is shown as data, never read as markup.
func (r *Rich) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = Plain(s)
		return nil
	}
	var spans []Span
	if err := json.Unmarshal(b, &spans); err != nil {
		return err
	}
	*r = spans
	return nil
}

// Notation is r in the message model's own notation, for tests and debug
// logs, never for a platform: *bold*, _italic_, ~strike~, `code`,
// <@platform:id|name> for a mention, <!channel> for the channel ping,
// <url|label> for a link and <#id> for a channel link. Literal text is
// written as is, so typed characters and real mentions look alike here;
// tests that must tell them apart look at the spans.
func (r Rich) Notation() string {
	return RenderRich(r, func(s Span) string {
		var t string
		switch s.Kind {
		case SpanUser:
			t = "<@" + s.User.Platform + ":" + s.User.ID + "|" + s.User.Name + ">"
		case SpanChannel:
			t = "<!channel>"
		case SpanLink:
			t = "<" + s.URL + ">"
			if s.Text != "" {
				t = "<" + s.URL + "|" + s.Text + ">"
			}
		case SpanChannelLink:
			t = "<#" + s.URL + ">"
		default:
			t = s.Text
		}
		if s.Emph&EmCode != 0 {
			return "`" + t + "`"
		}
		return t
	}, Markers{Bold: [2]string{"*", "*"}, Italic: [2]string{"_", "_"}, Strike: [2]string{"~", "~"}})
}
