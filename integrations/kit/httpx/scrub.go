package httpx

import "github.com/tourniquet/tourniquet/internal/redact"

// Redacted replaces a secret in a message.
const Redacted = redact.Marker

// Scrubber removes secret values from texts: the integration's own
// credentials, which it knows before the process-wide redactor sees the
// message. It is internal/redact's Redactor, the one matching rule.
type Scrubber struct{ r *redact.Redactor }

// NewScrubber returns a Scrubber for secrets: each one is removed as
// written, URL-query-escaped, URL-path-escaped and JSON-escaped, ignoring
// case. Secrets shorter than redact.MinLen are ignored.
func NewScrubber(secrets ...string) *Scrubber { return &Scrubber{r: redact.New(secrets...)} }

// Scrub returns s with every secret replaced by "<secret>".
func (s *Scrubber) Scrub(text string) string {
	if s == nil {
		return text
	}
	return s.r.Redact(text)
}
