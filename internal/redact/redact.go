// Package redact removes the values of configured secrets (tokens, signing
// secrets, API keys, passwords) from text before it is logged or stored:
// upstream APIs sometimes quote the credential they were sent in an error
// body, and that error would otherwise reach the logs, the outbox's
// last_error, the timeline and the audit log.
//
// One [Redactor] knows every secret of the configuration; cmd/internal/app
// builds it and hands its Redact method to whatever stores or logs text
// (consumers declare the func they take). [NewHandler] wraps a slog
// handler with it.
//
// It is a leaf utility: like every package under internal/, it imports the
// standard library, third-party modules and at most other leaves under
// internal/, never a package of the product (incident, bot, storage…), so
// that any package may import it.
package redact

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Marker replaces a secret: the same text config.Secret prints.
const Marker = "<secret>"

// MinLen is the shortest secret removed. A shorter value is no credential
// worth the name, and replacing it everywhere would scrub ordinary words
// ("admin", "test") out of logs and timelines; it is left alone.
const MinLen = 6

// Redactor replaces the secrets it was made with. A nil or empty
// Redactor changes nothing. It is safe for concurrent use.
type Redactor struct {
	// re matches every form of every secret, longest first, ignoring case.
	re *regexp.Regexp
	// raw are forms that are not valid UTF-8 (a binary key file), which
	// a regexp cannot hold: they are replaced as they are.
	raw []string
	// folded are re's forms in lower case when all of them are ASCII
	// (nil otherwise). A text that, folded the same way (foldASCII),
	// holds none of them has nothing for re to replace: it is returned
	// without running re, whose case-insensitive alternation scans every
	// byte slowly (8% of the CPU of a command under load).
	folded []string
}

// New returns a Redactor for secrets. Each one is removed as written, and
// as it appears URL-escaped (in a query or a path) or escaped inside a
// JSON string, ignoring case; empty ones and those shorter than MinLen
// are ignored.
func New(secrets ...string) *Redactor {
	seen := map[string]bool{}
	var forms, raw []string
	for _, s := range secrets {
		if len(s) < MinLen {
			continue
		}
		for _, f := range variants(s) {
			k := strings.ToLower(f)
			if seen[k] {
				continue
			}
			seen[k] = true
			if utf8.ValidString(f) {
				forms = append(forms, f)
			} else {
				raw = append(raw, f)
			}
		}
	}
	r := &Redactor{raw: raw}
	// Longest first, so that a secret containing another goes whole
	// (regexp alternation prefers the earlier branch).
	byLength := func(a, b string) int { return len(b) - len(a) }
	slices.SortFunc(forms, byLength)
	slices.SortFunc(r.raw, byLength)
	if len(forms) > 0 {
		quoted := make([]string, len(forms))
		for i, f := range forms {
			quoted[i] = regexp.QuoteMeta(f)
		}
		r.re = regexp.MustCompile("(?i)" + strings.Join(quoted, "|"))
		for _, f := range forms {
			if !isASCII(f) {
				r.folded = nil
				break
			}
			r.folded = append(r.folded, strings.ToLower(f))
		}
	}
	return r
}

// variants are the forms s takes in the texts it may turn up in.
func variants(s string) []string {
	out := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	if b, err := json.Marshal(s); err == nil {
		j := string(b[1 : len(b)-1])
		// Some encoders (PHP's, by default) also escape the slash.
		out = append(out, j, strings.ReplaceAll(j, "/", `\/`))
	}
	return out
}

// Redact returns s with every secret replaced by Marker.
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	if r.re != nil && r.mayHold(s) {
		s = r.re.ReplaceAllLiteralString(s, Marker)
	}
	for _, f := range r.raw {
		s = strings.ReplaceAll(s, f, Marker)
	}
	return s
}

// mayHold reports whether re may match in s: false only when s, folded,
// holds none of the folded forms.
func (r *Redactor) mayHold(s string) bool {
	if r.folded == nil {
		return true
	}
	t := foldASCII(s)
	for _, f := range r.folded {
		if strings.Contains(t, f) {
			return true
		}
	}
	return false
}

// foldASCII lowers the ASCII letters of s and maps the only two other
// runes that case folding equates with ASCII letters (U+017F long s and
// U+212A Kelvin sign) to theirs, so that a case-insensitive match of an
// ASCII form is a plain substring of the result; any other non-ASCII rune
// becomes a byte no ASCII form holds.
func foldASCII(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		ru, size := utf8.DecodeRuneInString(s[i:])
		switch ru {
		case '\u017F':
			b = append(b, 's')
		case '\u212A':
			b = append(b, 'k')
		default:
			b = append(b, 0xff)
		}
		i += size
	}
	return string(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Empty reports whether r knows no secret (and so changes nothing).
func (r *Redactor) Empty() bool { return r == nil || (r.re == nil && len(r.raw) == 0) }
