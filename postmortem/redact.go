package postmortem

import (
	"regexp"
	"slices"
	"strings"
)

// Redacted replaces a secret removed from text.
const Redacted = "[redacted]"

// tokenPatterns match credentials people paste into chat by accident.
var tokenPatterns = []*regexp.Regexp{
	regexp.MustCompile(`xox[abposr]-[A-Za-z0-9-]{8,}`),                               // Slack tokens
	regexp.MustCompile(`xapp-[A-Za-z0-9-]{8,}`),                                      // Slack app tokens
	regexp.MustCompile(`sk-[A-Za-z0-9_-]{16,}`),                                      // OpenAI-style keys
	regexp.MustCompile(`(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}`),                // GitHub tokens
	regexp.MustCompile(`AKIA[0-9A-Z]{16}`),                                           // AWS access key IDs
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), // JWTs
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}`),
	regexp.MustCompile(`https://hooks\.slack\.com/\S+`),
	regexp.MustCompile(`https://(?:discord|discordapp)\.com/api/(?:v\d+/)?(?:webhooks|interactions)/\S+`),
	regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----`),
}

var (
	urlCredentials = regexp.MustCompile(`://[^/\s:@]+:[^/\s@]+@`)
	linkSignature  = regexp.MustCompile(`([?&](?:sig|token|key|signature)=)[^&\s]+`)
)

// NewRedactor returns a function that removes from text every one of the
// given secret values (configured tokens and keys) and anything shaped
// like a credential: chat and cloud tokens, bearer headers, webhook and
// response URLs, passwords in URLs, signatures in links.
func NewRedactor(secrets []string) func(string) string {
	var vals []string
	for _, s := range secrets {
		if len(s) >= 4 {
			vals = append(vals, s)
		}
	}
	// Longest first, so that a secret containing another is removed whole.
	slices.SortFunc(vals, func(a, b string) int { return len(b) - len(a) })
	return func(text string) string {
		for _, v := range vals {
			text = strings.ReplaceAll(text, v, Redacted)
		}
		for _, re := range tokenPatterns {
			text = re.ReplaceAllString(text, Redacted)
		}
		text = urlCredentials.ReplaceAllString(text, "://"+Redacted+"@")
		return linkSignature.ReplaceAllString(text, "${1}"+Redacted)
	}
}
