package config

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Problem is one thing wrong with the configuration.
type Problem struct {
	// Key is the dotted key path, e.g. "slack.bot_token" or
	// "actions[2].kind"; "" for the file as a whole.
	Key string
	// Line is the line in the YAML file, 0 when the value did not come from
	// the file.
	Line int
	// Env is the environment variable the value came from, if any.
	Env string
	// Msg says what is wrong. It never contains a secret.
	Msg string
}

// String formats the problem as "line 12: slack.bot_tokn: unknown key" or
// "log.level (from TOURNIQUET_LOG_LEVEL): …".
func (p Problem) String() string { return p.format("") }

func (p Problem) format(file string) string {
	var b strings.Builder
	switch {
	case p.Line > 0 && file != "":
		fmt.Fprintf(&b, "%s:%d: ", file, p.Line)
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d: ", p.Line)
	case file != "" && p.Key == "" && p.Env == "":
		fmt.Fprintf(&b, "%s: ", file)
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		if p.Env != "" {
			fmt.Fprintf(&b, " (from %s)", p.Env)
		}
		b.WriteString(": ")
	} else if p.Env != "" {
		fmt.Fprintf(&b, "%s: ", p.Env)
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Errors is every problem [Load] found. Use errors.As to get it.
type Errors struct {
	// File is the configuration file's path, "" when there was none.
	File string
	// Problems are in file order, then the ones not tied to a line.
	Problems []Problem
	// Warnings are found alongside the problems; they alone never fail a load.
	Warnings []Problem
}

// Error lists the problems one per line.
func (e *Errors) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.format(e.File)
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems by line, keeping the ones without a line
// (environment, cross-field) after them in the order they were found.
func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		switch {
		case a.Line == 0 && b.Line == 0:
			return 0
		case a.Line == 0:
			return 1
		case b.Line == 0:
			return -1
		}
		return cmp.Compare(a.Line, b.Line)
	})
}

// minRedact is the shortest secret redact looks for: shorter values are not
// credentials worth the name, and replacing them would garble messages.
const minRedact = 6

// redact replaces, ignoring case (a value may have been normalized before it
// was quoted), every secret value that appears in a message.
func redact(ps []Problem, secrets []string) {
	var alts []string
	for _, s := range secrets {
		if len(s) >= minRedact {
			alts = append(alts, regexp.QuoteMeta(runewise(s)))
		}
	}
	if len(alts) == 0 {
		return
	}
	// Longest first, so that a secret containing another is replaced whole.
	slices.SortFunc(alts, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	re := regexp.MustCompile("(?i)" + strings.Join(alts, "|"))
	for i := range ps {
		ps[i].Msg = re.ReplaceAllLiteralString(ps[i].Msg, Redacted)
	}
}

// runewise spells s as the regexp package reads text: each byte that is
// not valid UTF-8 becomes U+FFFD, which matches that byte. (A secret read
// from a file may be any bytes; a pattern must be valid UTF-8.)
func runewise(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}
