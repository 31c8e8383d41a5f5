package incident

import (
	"fmt"
	"regexp"
	"strings"
)

// serviceNameRe is what a service name may look like: the names that the
// actions' services lists, the typed command and the declare forms all
// use, so that one incident's services select the same actions whichever
// way they were given.
var serviceNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_.:-]{0,127}$`)

// ParseServiceName checks one service name and returns it as stored:
// trimmed and lower-case. It is the one validator of service names, used
// by every path that sets them (typed, forms, SetServices), so that each
// refuses the same names with the same words.
func ParseServiceName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if !serviceNameRe.MatchString(n) {
		return "", fmt.Errorf("%q %w: use letters, digits and - _ . : (starting with a letter or digit, at most 128 characters)",
			truncateRunes(CleanText(name, SingleLine), 40), ErrBadServiceName)
	}
	return n, nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
