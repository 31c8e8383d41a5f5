package termtest

import "testing"

func TestRender(t *testing.T) {
	for _, tc := range []struct{ name, raw, want string }{
		{"lines", "one\r\ntwo\r\n", "one\ntwo"},
		{"redrawn prompt", "\x1b[J\x1b[2K\rlobby>  \b\x1b[J\x1b[2K\rlobby> /in\x1b[J\x1b[2K\rlobby> /incident\r\nreply\r\n", "lobby> /incident\nreply"},
		{"colour draws nothing", "\x1b[36mINC-1> \x1b[0mhi", "INC-1> hi"},
		{"backspace overwrites", "abc\b\bX", "aXc"},
		{"erase to end", "abcdef\x1b[3D\x1b[K", "abc"},
		{"up and forward", "one\r\ntwo\x1b[1A\r\x1b[3CX", "oneX\ntwo"},
		{"erase below", "a\r\nb\r\nc\x1b[2A\r\x1b[J", "\n"[:0]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Render(tc.raw); got != tc.want {
				t.Errorf("Render(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}
