package incident

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, line, multi string
	}{
		{"plain", "Checkout errors", "Checkout errors", "Checkout errors"},
		{"trimmed", "  a b \n", "a b", "a b"},
		{"colour", "red \x1b[31;1malert\x1b[0m!", "red alert!", "red alert!"},
		{"CSI with private params", "a\x1b[?25lb", "ab", "ab"},
		{"OSC title, BEL", "x\x1b]0;pwned\x07y", "xy", "xy"},
		{"OSC link, ST", "x\x1b]8;;http://evil\x1b\\y\x1b]8;;\x1b\\z", "xyz", "xyz"},
		{"OSC never closed stops at the line", "x\x1b]0;pwned\nnext", "x next", "x\nnext"},
		{"two-character escape", "\x1bcreset", "reset", "reset"},
		{"charset escape", "\x1b(Bok", "ok", "ok"},
		{"lone escape at the end", "end\x1b", "end", "end"},
		{"C1 CSI", "a\u009b31mb", "ab", "ab"},
		{"C1 OSC", "a\u009d0;t\u009cb", "ab", "ab"},
		{"C0", "bell\a back\bspace\x00nul\x7f", "bell backspacenul", "bell backspacenul"},
		{"C1", "a\u0080b\u0090c\u009fd", "abcd", "abcd"},
		{"tabs", "a\tb", "a b", "a b"},
		{"line breaks", "a\r\nb\rc\nd\u2028e\u2029f\u0085g", "a b c d e f g", "a\nb\nc\nd\ne\nf\ng"},
		{"bidi override", "\u202egnp.exe\u202c", "gnp.exe", "gnp.exe"},
		{"bidi embeddings", "\u202aa\u202bb\u202dc", "abc", "abc"},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", "abc", "abc"},
		{"marks", "a\u200eb\u200fc\u061cd", "abcd", "abcd"},
		{"zero width", "p\u200ba\u2060y\ufeffpal", "paypal", "paypal"},
		{"invisible operators", "x\u2062y", "xy", "xy"},
		{"joiners stay", "👩\u200d💻 می\u200cخواهم", "👩\u200d💻 می\u200cخواهم", "👩\u200d💻 می\u200cخواهم"},
		{"emoji and accents stay", "café ☕ 日本 🇫🇷", "café ☕ 日本 🇫🇷", "café ☕ 日本 🇫🇷"},
		{"not UTF-8", "caf\xe9", "caf\uFFFD", "caf\uFFFD"},
		{"only controls", "\x1b[0m\u202e\u200b", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in, SingleLine); got != tt.line {
				t.Errorf("SingleLine: %q → %q, want %q", tt.in, got, tt.line)
			}
			if got := CleanText(tt.in, MultiLine); got != tt.multi {
				t.Errorf("MultiLine: %q → %q, want %q", tt.in, got, tt.multi)
			}
		})
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"a\x1b[31mb", "\x1b]0;t\x07", "\u202e\u2066x", "a\r\nb\tc", "\xff\xfe", "\u009b1m", "👩\u200d💻"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, shape := range []Shape{SingleLine, MultiLine} {
			got := CleanText(s, shape)
			if !utf8.ValidString(got) {
				t.Fatalf("%q → %q: not UTF-8", s, got)
			}
			for _, r := range got {
				if (invisible(r) && r != '\n') || (r == '\n' && shape == SingleLine) || r == 0x2028 || r == 0x2029 {
					t.Fatalf("%q → %q keeps %U", s, got, r)
				}
			}
			if again := CleanText(got, shape); again != got {
				t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
			}
			if strings.TrimSpace(got) != got {
				t.Fatalf("%q → %q: surrounding space", s, got)
			}
		}
	})
}

// TestPrintable: what a screen would act on goes, line breaks, tabs, the
// joiners and surrounding space stay.
func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":                  "plain text",
		" two\nlines\tand a tab ":     " two\nlines\tand a tab ",
		"\x1b[31mred\x07":             "[31mred",
		"a\u202egnp.exe\u2066b\u200f": "agnp.exeb",
		"zero\u200bwidth\ufeff":       "zerowidth",
		"👩\u200d💻 and \u200c":         "👩\u200d💻 and \u200c",
		"c1\u0085\u009bx":             "c1x",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
