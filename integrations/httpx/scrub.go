package httpx

import (
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// minScrub is the shortest secret scrubbed: shorter values are not
// credentials worth the name, and replacing them would garble messages.
const minScrub = 4

// Redacted replaces a secret in a message.
const Redacted = "<secret>"

// Scrubber removes secret values from texts.
type Scrubber struct{ re *regexp.Regexp }

// NewScrubber returns a Scrubber for secrets: each one is removed as
// written, URL-query-escaped and URL-path-escaped, ignoring case. Secrets
// shorter than 4 bytes are ignored.
func NewScrubber(secrets ...string) *Scrubber {
	seen := map[string]bool{}
	var alts []string
	for _, s := range secrets {
		if len(s) < minScrub {
			continue
		}
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if k := strings.ToLower(v); !seen[k] {
				seen[k] = true
				alts = append(alts, regexp.QuoteMeta(v))
			}
		}
	}
	if len(alts) == 0 {
		return &Scrubber{}
	}
	// Longest first, so that a secret containing another goes whole.
	slices.SortFunc(alts, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return &Scrubber{re: regexp.MustCompile("(?i)" + strings.Join(alts, "|"))}
}

// Scrub returns s with every secret replaced by "<secret>".
func (s *Scrubber) Scrub(text string) string {
	if s == nil || s.re == nil {
		return text
	}
	return s.re.ReplaceAllLiteralString(text, Redacted)
}
