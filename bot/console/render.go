package console

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tourniquet/tourniquet/bot"
)

// ANSI SGR codes used when colour is on.
const (
	sgrReset  = "0"
	sgrBold   = "1"
	sgrDim    = "2"
	sgrItalic = "3"
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
	sgrCyan   = "36"
)

// dividerWidth is how wide a divider block is drawn.
const dividerWidth = 40

// contextPrefix starts every line of a context block.
const contextPrefix = "› "

// painter styles text with ANSI escapes when on, and leaves it alone when
// off.
type painter struct{ on bool }

// wrap styles s with the SGR codes and resets after it.
func (p painter) wrap(s string, codes ...string) string {
	if !p.on || s == "" || len(codes) == 0 {
		return s
	}
	return "\x1b[" + strings.Join(codes, ";") + "m" + s + "\x1b[" + sgrReset + "m"
}

// span styles s inside a line whose own style is base: after the span the
// base style is switched back on.
func (p painter) span(s string, base []string, codes ...string) string {
	out := "\x1b[" + strings.Join(codes, ";") + "m" + s + "\x1b[" + sgrReset + "m"
	if len(base) > 0 {
		out += "\x1b[" + strings.Join(base, ";") + "m"
	}
	return out
}

var (
	codeSpanRe = regexp.MustCompile("`[^`\n]+`")
	// Emphasis markers count only at word boundaries, so identifiers such
	// as status_update or 2*3*4 are left alone.
	boldRe   = regexp.MustCompile(`(^|[\s(\["'])\*([^*\s](?:[^*\n]*[^*\s])?)\*($|[\s)\]"'.,:;!?])`)
	italicRe = regexp.MustCompile(`(^|[\s(\["'])_([^_\s](?:[^_\n]*[^_\s])?)_($|[\s)\]"'.,:;!?])`)
)

// markup renders one line of message markdown. Without colour the markup
// is left exactly as written (*bold*, _italic_, `code`): it is what a chat
// user types and reads fine in a terminal. With colour the markers are
// removed and the spans styled bold, italic and cyan.
func (p painter) markup(line string, base ...string) string {
	if !p.on {
		return line
	}
	var b strings.Builder
	last := 0
	for _, loc := range codeSpanRe.FindAllStringIndex(line, -1) {
		b.WriteString(p.emphasis(line[last:loc[0]], base))
		b.WriteString(p.span(line[loc[0]+1:loc[1]-1], base, sgrCyan))
		last = loc[1]
	}
	b.WriteString(p.emphasis(line[last:], base))
	return b.String()
}

// emphasis styles *bold* and _italic_ spans outside code.
func (p painter) emphasis(s string, base []string) string {
	for _, e := range []struct {
		re   *regexp.Regexp
		code string
	}{{boldRe, sgrBold}, {italicRe, sgrItalic}} {
		// A boundary character closing one span may open the next one;
		// the regexp consumed it, so go again (bounded).
		for range 4 {
			next := e.re.ReplaceAllStringFunc(s, func(m string) string {
				sm := e.re.FindStringSubmatch(m)
				return sm[1] + p.span(sm[2], base, e.code) + sm[3]
			})
			if next == s {
				break
			}
			s = next
		}
	}
	return s
}

// headerCodes is how a header is styled: bold, coloured by the message's
// state hint.
func headerCodes(hint string) []string {
	switch hint {
	case "danger":
		return []string{sgrBold, sgrRed}
	case "warning":
		return []string{sgrBold, sgrYellow}
	case "good":
		return []string{sgrBold, sgrGreen}
	}
	return []string{sgrBold}
}

// Render returns m as terminal text, one line per line of output, without
// a trailing newline. Mention tokens become @name (bot.PlainMentions).
//
//   - A header is its text, bold (and red, yellow or green after the
//     message's Color hint) when color is set.
//   - Text keeps its markup as written without colour; with colour *bold*,
//     _italic_ and `code` are styled and their markers removed.
//   - Fields are "Label: value" lines with the values aligned.
//   - Context lines are prefixed with "› " and dimmed.
//   - A divider is a line of "─".
//   - Each row of buttons is one line of numbered choices,
//     "[1] Yes, mitigated  [2] Partially". A danger button is red with
//     colour and ends in "!" without it; a primary button is green.
//
// number gives the number shown for the i-th button of the message (in
// m.AllButtons order); nil numbers them 1, 2, 3….
func Render(m bot.Message, color bool, number func(i int, b bot.Button) int) string {
	p := painter{on: color}
	if number == nil {
		number = func(i int, _ bot.Button) int { return i + 1 }
	}
	var lines []string
	bi := 0
	for _, blk := range m.Blocks {
		switch blk.Kind {
		case bot.BlockHeader:
			lines = append(lines, p.wrap(bot.PlainMentions(blk.Text), headerCodes(m.Color)...))
		case bot.BlockFields:
			width := 0
			for _, f := range blk.Fields {
				width = max(width, utf8.RuneCountInString(f.Label))
			}
			for _, f := range blk.Fields {
				label := f.Label + ":" + strings.Repeat(" ", width-utf8.RuneCountInString(f.Label)+1)
				indent := strings.Repeat(" ", width+2)
				for i, v := range strings.Split(bot.PlainMentions(f.Value), "\n") {
					if i == 0 {
						lines = append(lines, p.wrap(label, sgrBold)+p.markup(v))
					} else {
						lines = append(lines, indent+p.markup(v))
					}
				}
			}
		case bot.BlockContext:
			for _, l := range strings.Split(bot.PlainMentions(blk.Text), "\n") {
				lines = append(lines, p.wrap(contextPrefix+p.markup(l, sgrDim), sgrDim))
			}
		case bot.BlockDivider:
			lines = append(lines, p.wrap(strings.Repeat("─", dividerWidth), sgrDim))
		case bot.BlockButtons:
			var parts []string
			for _, b := range blk.Buttons {
				parts = append(parts, renderButton(p, number(bi, b), b))
				bi++
			}
			if len(parts) > 0 {
				lines = append(lines, strings.Join(parts, "  "))
			}
		default: // text, and any kind this renderer does not know yet
			if blk.Text == "" {
				continue
			}
			for _, l := range strings.Split(bot.PlainMentions(blk.Text), "\n") {
				lines = append(lines, p.markup(l))
			}
		}
	}
	if len(lines) == 0 && m.Fallback != "" {
		for _, l := range strings.Split(bot.PlainMentions(m.Fallback), "\n") {
			lines = append(lines, p.markup(l))
		}
	}
	return strings.Join(lines, "\n")
}

// renderButton is one numbered choice: "[4] Roll back checkout!".
func renderButton(p painter, n int, b bot.Button) string {
	num := "[" + strconv.Itoa(n) + "]"
	label := bot.PlainMentions(b.Label)
	switch b.Style {
	case bot.StyleDanger:
		if !p.on {
			return num + " " + label + "!"
		}
		return p.wrap(num, sgrBold) + " " + p.wrap(label, sgrRed)
	case bot.StylePrimary:
		return p.wrap(num, sgrBold) + " " + p.wrap(label, sgrGreen)
	}
	return p.wrap(num, sgrBold) + " " + label
}

// summary is a one-line description of m for compact updates: its header,
// else its fallback, else its first line of text.
func summary(m bot.Message) string {
	for _, b := range m.Blocks {
		if b.Kind == bot.BlockHeader && b.Text != "" {
			return bot.PlainMentions(b.Text)
		}
	}
	if m.Fallback != "" {
		return firstLine(bot.PlainMentions(m.Fallback))
	}
	for _, b := range m.Blocks {
		if b.Text != "" {
			return firstLine(bot.PlainMentions(b.Text))
		}
	}
	return "(empty message)"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
