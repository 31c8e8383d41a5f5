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

func TestMarkup(t *testing.T) {
	p := painter{on: true}
	for in, want := range map[string]string{
		"*a* and *b*":           "\x1b[1ma\x1b[0m and \x1b[1mb\x1b[0m",
		"_note_: x":             "\x1b[3mnote\x1b[0m: x",
		"status_update, 2*3*4":  "status_update, 2*3*4",
		"`*not bold*` *bold*":   "\x1b[36m*not bold*\x1b[0m \x1b[1mbold\x1b[0m",
		"* not a list marker *": "* not a list marker *",
	} {
		if got := p.markup(in); got != want {
			t.Errorf("markup(%q) = %q, want %q", in, got, want)
		}
	}
	if got := (painter{}).markup("*a* _b_ `c`"); got != "*a* _b_ `c`" {
		t.Errorf("markup without colour changed the text: %q", got)
	}
}

func TestRenderFallbackAndFields(t *testing.T) {
	if got := Render(bot.Message{Fallback: "just text <!channel>"}, false, nil); got != "just text @channel" {
		t.Errorf("fallback render = %q", got)
	}
	m := bot.Message{}
	m.Fields(bot.Field{Label: "A", Value: "one\ntwo"}, bot.Field{Label: "Longer", Value: "x"})
	if got, want := Render(m, false, nil), "A:      one\n        two\nLonger: x"; got != want {
		t.Errorf("fields = %q, want %q", got, want)
	}
}
