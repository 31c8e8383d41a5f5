package console

import (
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
)

func TestRenderWithoutColorHasNoEscapes(t *testing.T) {
	if got := Render(checkinMessage(), false, nil); strings.Contains(got, "\x1b[") {
		t.Errorf("escape codes without colour:\n%q", got)
	}
}

func TestRenderColor(t *testing.T) {
	got := Render(checkinMessage(), true, func(i int, _ bot.Button) int { return 10 + i })
	for _, want := range []string{
		"\x1b[1;31mCheck-in · INC-7: Checkout errors\x1b[0m",    // header coloured by the danger hint
		"\x1b[1mIs customer impact mitigated?\x1b[0m Impact",    // *bold* styled, markers gone
		"\x1b[36m_\x1b[0m in ids like status_update stays",      // `code` styled; snake_case left alone
		"\x1b[1m[12]\x1b[0m \x1b[31mNo, still impacting\x1b[0m", // danger button red, no "!"
		"\x1b[1m[10]\x1b[0m \x1b[32mYes, mitigated\x1b[0m",      // primary green
		"\x1b[2m› Unanswered check-ins escalate to @channel",    // context dimmed, mention plain
	} {
		if !strings.Contains(got, want) {
			t.Errorf("coloured render lacks %q:\n%q", want, got)
		}
	}
	if strings.Contains(got, "*") {
		t.Errorf("bold markers left with colour:\n%q", got)
	}
}

func TestRichStyles(t *testing.T) {
	p := painter{on: true}
	for want, in := range map[string]bot.Rich{
		"\x1b[1ma\x1b[0m and \x1b[1mb\x1b[0m":          bot.Textf("*a* and *b*"),
		"\x1b[3mnote\x1b[0m: x":                        bot.Textf("_note_: x"),
		"status_update, 2*3*4":                         bot.Plain("status_update, 2*3*4"),
		"\x1b[36m*not bold*\x1b[0m \x1b[1mbold\x1b[0m": bot.Textf("`*not bold*` *bold*"),
		// Typed text is never styled, and the terminal never sees its
		// control characters.
		"*typed* [31mred": bot.Plain("*typed* \x1b[31mred\a"),
	} {
		if got := p.rich(in); got != want {
			t.Errorf("rich(%q) = %q, want %q", in.String(), got, want)
		}
	}
	if got := (painter{}).rich(bot.Textf("*a* _b_ `c`")); got != "a b `c`" {
		t.Errorf("without colour = %q, want the words and the code's backticks", got)
	}
}

func TestRenderFallbackAndFields(t *testing.T) {
	if got := Render(bot.Message{Fallback: "just text <!channel>\x1b]0;title\a"}, false, nil); got != "just text <!channel>]0;title" {
		t.Errorf("fallback render = %q", got)
	}
	m := bot.Message{}
	m.Fields(bot.Field{Label: "A", Value: bot.Plain("one\ntwo")}, bot.Field{Label: "Longer", Value: bot.Plain("x")})
	if got, want := Render(m, false, nil), "A:      one\n        two\nLonger: x"; got != want {
		t.Errorf("fields = %q, want %q", got, want)
	}
}
