package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxSummary is the longest summary of a response body, in runes.
const MaxSummary = 300

// Summarize returns what a response body says, in one short line: for
// JSON, the error message in the shapes APIs use ("message", "error",
// "detail", "errors[].message", Unleash's "details", Django REST's field
// errors); for HTML, the page title; for text, its first non-empty line.
// The result is whitespace-collapsed and truncated to MaxSummary runes.
func Summarize(contentType string, body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var s string
	switch {
	case json.Valid(body):
		var v any
		_ = json.Unmarshal(body, &v)
		s = jsonMessage(v)
		if s == "" {
			s = string(body)
		}
	case strings.Contains(contentType, "html") || bytes.HasPrefix(body, []byte("<")):
		s = htmlTitle(body)
	default:
		s = firstLine(string(body))
	}
	return Truncate(collapse(s), MaxSummary)
}

// Truncate cuts s to at most n runes, marking the cut with "…".
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

var messageKeys = []string{"message", "error_description", "error", "detail", "msg", "title", "reason"}

// jsonMessage finds the human message in a decoded JSON error body.
func jsonMessage(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var parts []string
		for _, x := range v {
			if m := jsonMessage(x); m != "" && !slices.Contains(parts, m) {
				parts = append(parts, m)
			}
			if len(parts) == 3 {
				break
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		msg := ""
		for _, k := range messageKeys {
			if m := jsonMessage(v[k]); m != "" {
				msg = m
				break
			}
		}
		// Details that say more than the message (Unleash, GitHub 422).
		for _, k := range []string{"details", "errors"} {
			if d := jsonMessage(v[k]); d != "" && d != msg {
				if msg == "" {
					msg = d
				} else {
					msg += ": " + d
				}
			}
		}
		if msg != "" {
			return msg
		}
		return fieldErrors(v)
	}
	return ""
}

// fieldErrors formats Django REST validation errors, {"field": ["why"]}.
func fieldErrors(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k, x := range m {
		if _, ok := x.([]any); ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		if msg := jsonMessage(m[k]); msg != "" {
			parts = append(parts, fmt.Sprintf("%s: %s", k, msg))
		}
	}
	return strings.Join(parts, "; ")
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

func htmlTitle(body []byte) string {
	if m := titleRE.FindSubmatch(body); m != nil {
		if t := strings.TrimSpace(html.UnescapeString(string(m[1]))); t != "" {
			return "an HTML page: " + t
		}
	}
	return "an HTML page"
}

func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
