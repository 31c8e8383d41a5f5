package incident

import (
	"strings"
	"unicode/utf8"
)

// Shape says whether a text may span lines.
type Shape int

const (
	// SingleLine text (a title, a display name) has no line breaks: each
	// becomes a space.
	SingleLine Shape = iota
	// MultiLine text (an update, a note, a summary) keeps its line breaks,
	// as "\n".
	MultiLine
)

// CleanText makes what someone typed safe to store and show again: it
// removes terminal escape sequences (which recolour or retitle the terminal
// of whoever reads the timeline), C0 and C1 control characters, the
// invisible bidirectional controls that make text display reversed
// (U+202A–U+202E, U+2066–U+2069, LRM, RLM, ALM) and invisible zero-width
// characters (U+200B, U+2060, U+FEFF and the invisible operators
// U+2061–U+2064). Tabs become spaces; line breaks (\r\n, \r, NEL, U+2028,
// U+2029) become "\n" in MultiLine text and a space in SingleLine text.
// Bytes that are not UTF-8 become U+FFFD. The zero-width joiner and
// non-joiner (U+200D, U+200C) stay: emoji sequences and many scripts need
// them. The result has no surrounding white space.
//
// CleanText is pure and idempotent, so every layer may apply it.
func CleanText(s string, shape Shape) string {
	var b strings.Builder
	b.Grow(len(s))
	lineBreak := func() {
		if shape == MultiLine {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			lineBreak()
		case r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029:
			lineBreak()
		case r == '\t':
			b.WriteByte(' ')
		case r == 0x1b:
			i += escapeLen(s[i:])
		case r == 0x9b: // C1 CSI: ESC [ in one character
			i += csiLen(s[i:])
		case r == 0x9d: // C1 OSC: ESC ] in one character
			i += oscLen(s[i:])
		case invisible(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// invisible reports whether r is a control character or an invisible
// formatting character that CleanText removes.
func invisible(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f: // C0, DEL, C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c: // LRM, RLM, ALM
		return true
	case r == 0x200b, r == 0x2060, r == 0xfeff: // zero-width space, word joiner, BOM
		return true
	case r >= 0x2061 && r <= 0x2064: // invisible operators
		return true
	case r >= 0x206a && r <= 0x206f: // deprecated format controls
		return true
	case r >= 0xfff9 && r <= 0xfffb: // interlinear annotation
		return true
	}
	return false
}

// escapeLen is how many bytes of s, just after an ESC, belong to its
// escape sequence: a CSI (ESC [ … final), an OSC, DCS, SOS, PM or APC
// string (ESC ] … BEL or ESC \), or ESC, intermediates and one final
// character (ESC c, ESC ( B).
func escapeLen(s string) int {
	if s == "" {
		return 0
	}
	switch s[0] {
	case '[':
		return 1 + csiLen(s[1:])
	case ']', 'P', 'X', '^', '_':
		return 1 + oscLen(s[1:])
	}
	n := 0
	for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f { // intermediates
		n++
	}
	if n < len(s) && s[n] >= 0x30 && s[n] <= 0x7e { // final
		n++
	}
	return n
}

// csiLen is the length of a control sequence's parameters, intermediates
// and final byte; it stops early at anything that cannot be part of one.
func csiLen(s string) int {
	n := 0
	for n < len(s) && s[n] >= 0x20 && s[n] <= 0x3f { // parameters, intermediates
		n++
	}
	if n < len(s) && s[n] >= 0x40 && s[n] <= 0x7e { // final
		n++
	}
	return n
}

// oscLen is the length of a control string up to and including its
// terminator (BEL, ESC \ or the C1 ST). A string left open ends at the
// next control character, so an unterminated one cannot swallow the lines
// after it.
func oscLen(s string) int {
	for n := 0; n < len(s); {
		r, size := utf8.DecodeRuneInString(s[n:])
		switch {
		case r == 0x07 || r == 0x9c:
			return n + size
		case r == 0x1b:
			if n+1 < len(s) && s[n+1] == '\\' {
				return n + 2
			}
			return n
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return n
		}
		n += size
	}
	return len(s)
}

// Printable removes from s what a screen would act on rather than show:
// C0 and C1 control characters (ESC, BEL, …) except the newline and tab,
// the bidirectional overrides and isolates that reorder what follows them,
// and invisible zero-width characters (but the zero-width joiner and
// non-joiner, which emoji and scripts need). Text is cleaned where it
// enters the bot (CleanText); every renderer, and the Markdown export,
// calls this too, for what reaches them another way (an integration's
// output, a model's summary, rows an older version wrote). Unlike
// CleanText it leaves line breaks, tabs and surrounding space alone.
func Printable(s string) string {
	if !strings.ContainsFunc(s, unprintable) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unprintable(r) {
			return -1
		}
		return r
	}, s)
}

func unprintable(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0x200b, r == 0x2060, r == 0xfeff:
		return true
	}
	return false
}
