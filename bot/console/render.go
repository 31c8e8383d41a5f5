package console

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
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
	sgrStrike = "9"
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

// rich renders rich text for the terminal: mentions as @name, links as
// "label (url)", the channel ping as @channel. With colour, bold, italic
// and strike are styled and code is cyan; without, only code keeps its
// backticks, so a line reads as typed. Control characters are removed from
// everything shown: no text can move the cursor, recolour the terminal or
// reorder a line. base is the line's own style, switched back on after
// each styled span.
func (p painter) rich(r bot.Rich, base ...string) string {
	var mk bot.Markers
	if p.on {
		reset := "\x1b[" + sgrReset + "m"
		if len(base) > 0 {
			reset += "\x1b[" + strings.Join(base, ";") + "m"
		}
		mk = bot.Markers{
			Bold:   [2]string{"\x1b[" + sgrBold + "m", reset},
			Italic: [2]string{"\x1b[" + sgrItalic + "m", reset},
			Strike: [2]string{"\x1b[" + sgrStrike + "m", reset},
		}
	}
	return bot.RenderRich(r, func(s bot.Span) string {
		t := termSafe(s.Plain())
		if s.Emph&bot.EmCode == 0 || s.Kind != bot.SpanText {
			return t
		}
		if !p.on {
			return "`" + t + "`"
		}
		return p.span(t, base, sgrCyan)
	}, mk)
}

// termSafe is text a terminal shows rather than acts on (incident.Printable).
func termSafe(s string) string { return incident.Printable(s) }

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
// a trailing newline. Mentions become @name.
//
//   - A header is its text, bold (and red, yellow or green after the
//     message's Color hint) when color is set.
//   - Text without colour reads as plain words (code keeps its backticks);
//     with colour bold, italic and code are styled.
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
			lines = append(lines, p.wrap(termSafe(blk.Text.String()), headerCodes(m.Color)...))
		case bot.BlockFields:
			width := 0
			for _, f := range blk.Fields {
				width = max(width, utf8.RuneCountInString(f.Label))
			}
			for _, f := range blk.Fields {
				label := termSafe(f.Label) + ":" + strings.Repeat(" ", width-utf8.RuneCountInString(f.Label)+1)
				indent := strings.Repeat(" ", width+2)
				for i, v := range strings.Split(p.rich(f.Value), "\n") {
					if i == 0 {
						lines = append(lines, p.wrap(label, sgrBold)+v)
					} else {
						lines = append(lines, indent+v)
					}
				}
			}
		case bot.BlockContext:
			for _, l := range strings.Split(p.rich(blk.Text, sgrDim), "\n") {
				lines = append(lines, p.wrap(contextPrefix+l, sgrDim))
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
			if blk.Text.IsEmpty() {
				continue
			}
			lines = append(lines, strings.Split(p.rich(blk.Text), "\n")...)
		}
	}
	if len(lines) == 0 && m.Fallback != "" {
		lines = append(lines, strings.Split(termSafe(m.Fallback), "\n")...)
	}
	return strings.Join(lines, "\n")
}

// renderButton is one numbered choice: "[4] Roll back checkout!".
func renderButton(p painter, n int, b bot.Button) string {
	num := "[" + strconv.Itoa(n) + "]"
	label := termSafe(b.Label)
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
		if b.Kind == bot.BlockHeader && !b.Text.IsEmpty() {
			return termSafe(b.Text.String())
		}
	}
	if m.Fallback != "" {
		return firstLine(termSafe(m.Fallback))
	}
	for _, b := range m.Blocks {
		if !b.Text.IsEmpty() {
			return firstLine(termSafe(b.Text.String()))
		}
	}
	return "(empty message)"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
