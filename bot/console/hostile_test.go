package console

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
)

// sgrRe is the only escape sequence the terminal adapter writes itself.
var sgrRe = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestHostileTextCannotDriveTheTerminal: text a person typed (or an
// integration returned) is shown, never obeyed: no escape sequence but the
// renderer's own colours, no bell, no bidi override, in or out of colour.
func TestHostileTextCannotDriveTheTerminal(t *testing.T) {
	lead := incident.Actor{Platform: Platform, ID: "alice"}
	for _, s := range bottest.Hostile {
		for i, m := range bottest.HostileMessages(s, lead) {
			for _, color := range []bool{false, true} {
				out := Render(m, color, nil)
				if !color && strings.Contains(out, "\x1b") {
					t.Errorf("%q message %d without colour has an escape: %q", s, i, out)
				}
				rest := sgrRe.ReplaceAllString(out, "")
				if strings.ContainsFunc(rest, func(r rune) bool {
					return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
				}) {
					t.Errorf("%q message %d (colour %v): control characters reach the terminal: %q", s, i, color, rest)
				}
			}
		}
	}
}
