package slack

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxChannelName is Slack's limit on a channel name.
const maxChannelName = 80

// ChannelName makes name valid for Slack: lower case, letters, digits,
// hyphens and underscores only (anything else becomes a hyphen, runs of
// them one), no leading or trailing hyphen, at most 80 characters. An
// empty result is "incident".
func ChannelName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := cut(strings.Trim(b.String(), "-"), maxChannelName)
	if out == "" {
		return "incident"
	}
	return out
}

// withSuffix is base for the first try and base-2, base-3, … after,
// shortening base so the result stays within 80 characters.
func withSuffix(base string, try int) string {
	if try <= 1 {
		return base
	}
	suffix := "-" + strconv.Itoa(try)
	return cut(base, maxChannelName-len(suffix)) + suffix
}

// cut shortens s to n characters without leaving a trailing hyphen.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return strings.TrimRight(s, "-")
}
