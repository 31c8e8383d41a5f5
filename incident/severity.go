package incident

import (
	"fmt"
	"strings"
)

// Severity ranks an incident from sev1 (worst) to sev4.
type Severity string

// The four severities.
const (
	Sev1 Severity = "sev1"
	Sev2 Severity = "sev2"
	Sev3 Severity = "sev3"
	Sev4 Severity = "sev4"
)

// Severities lists every severity, worst first.
var Severities = []Severity{Sev1, Sev2, Sev3, Sev4}

// DefaultSeverity is used when a declaration names none.
const DefaultSeverity = Sev2

// ParseSeverity accepts "sev1".."sev4", "SEV1" and bare "1".."4".
func ParseSeverity(s string) (Severity, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.TrimPrefix(v, "sev")
	switch v {
	case "1", "2", "3", "4":
		return Severity("sev" + v), nil
	}
	return "", fmt.Errorf("%w: %q (want sev1, sev2, sev3 or sev4)", ErrBadSeverity, s)
}

// Valid reports whether s is one of the four severities.
func (s Severity) Valid() bool {
	switch s {
	case Sev1, Sev2, Sev3, Sev4:
		return true
	}
	return false
}

// Rank is 1 for sev1 through 4 for sev4, and 0 for an invalid severity.
func (s Severity) Rank() int {
	if !s.Valid() {
		return 0
	}
	return int(s[3] - '0')
}
