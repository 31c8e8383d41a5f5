package redact

import (
	"strings"
	"testing"
)

// regexOnly is Redact without the folded pre-check: what it must equal.
func regexOnly(r *Redactor, s string) string {
	if r.re != nil {
		s = r.re.ReplaceAllLiteralString(s, Marker)
	}
	for _, f := range r.raw {
		s = strings.ReplaceAll(s, f, Marker)
	}
	return s
}

// The pre-check never lets a match through: upper case, the Kelvin sign
// for a k, the long s for an s, and non-ASCII text around a secret.
func TestPrecheckMissesNoMatch(t *testing.T) {
	r := New("xoxb-Kiosk-Secret-42", "s3cr3t/pass word")
	for _, s := range []string{
		"plain xoxb-kiosk-secret-42 here",
		"XOXB-KIOSK-SECRET-42",
		"xoxb-\u212Aio\u017Fk-\u017Fecret-42 ⏱ card",
		"⏱ «xoxb-kiosk-secret-42» ⏱",
		`{"text":"s3cr3t\/pass word"}`,
		"s3cr3t%2Fpass+word",
		"nothing to see ⏱ here, kiosk secret",
		"",
	} {
		if got, want := r.Redact(s), regexOnly(r, s); got != want {
			t.Errorf("Redact(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzPrecheckMatchesRegexp(f *testing.F) {
	for _, s := range []string{"xoxb-\u212Aio\u017Fk", "XOXB-KIOSK-SECRET-42!", "⏱x"} {
		f.Add(s)
	}
	r := New("xoxb-Kiosk-Secret-42", "another-secret")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := r.Redact(s), regexOnly(r, s); got != want {
			t.Fatalf("Redact(%q) = %q, want %q", s, got, want)
		}
	})
}

func BenchmarkRedactCleanPayload(b *testing.B) {
	r := New("xoxb-1234567890-abcdefghijkl", "signing-secret-0123456789abcdef", "tq-api-0123456789ab")
	payload := strings.Repeat(`{"incident_id":7,"key":"INC-7/card","message":{"blocks":[{"text":"⏱ impact 12m · cause unknown"}]}}`, 20)
	b.Run("precheck", func(b *testing.B) {
		for b.Loop() {
			_ = r.Redact(payload)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			_ = regexOnly(r, payload)
		}
	})
}
