package incident

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// TimeSpec is when impact started, as someone gave it: an absolute time, a
// clock time (HH:MM, UTC) or a duration before now. It is resolved against
// the time of the command that carries it (Resolve), so that a form and a
// typed line given the same words mean the same moment.
type TimeSpec struct {
	Abs    time.Time
	Clock  bool // HH:MM
	Hour   int
	Minute int
	// Relative is the duration from now; negative is in the past.
	Relative time.Duration
	// Raw is the time as given, without the force word.
	Raw string
	// Force says the person means a start more than MaxImpactLookback
	// ago: they wrote "force" or "--force" after the time.
	Force bool
}

var clockRe = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)

// ParseTimeSpec reads when impact started, with an optional trailing
// "force" or "--force": RFC3339 (2026-03-01T14:05:00Z), HH:MM (UTC) or a
// duration like -15m. It is the one reader of impact-start times, for the
// typed command and the declare forms alike.
func ParseTimeSpec(s string) (TimeSpec, error) {
	s = strings.TrimSpace(s)
	force := false
	if i := strings.LastIndexFunc(s, unicode.IsSpace); i >= 0 {
		if w := strings.ToLower(s[i+1:]); w == "force" || w == "--force" {
			s, force = strings.TrimSpace(s[:i]), true
		}
	}
	ts := TimeSpec{Raw: s, Force: force}
	if m := clockRe.FindStringSubmatch(s); m != nil {
		ts.Clock = true
		ts.Hour, _ = strconv.Atoi(m[1])
		ts.Minute, _ = strconv.Atoi(m[2])
		return ts, nil
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		d, err := time.ParseDuration(s)
		if err != nil {
			return ts, fmt.Errorf("%q is not a duration like -15m or -1h30m", s)
		}
		ts.Relative = d
		return ts, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		ts.Abs = t
		return ts, nil
	}
	return ts, fmt.Errorf("%q is not a time: use RFC3339 (2026-03-01T14:05:00Z), HH:MM (UTC) or a duration ago like -15m", s)
}

// Resolve turns the spec into a time, given now. A clock time is its most
// recent occurrence at or before now, in now's location.
func (s TimeSpec) Resolve(now time.Time) time.Time {
	switch {
	case s.Clock:
		t := time.Date(now.Year(), now.Month(), now.Day(), s.Hour, s.Minute, 0, 0, now.Location())
		if t.After(now) {
			t = t.AddDate(0, 0, -1)
		}
		return t
	case !s.Abs.IsZero():
		return s.Abs
	default:
		return now.Add(s.Relative)
	}
}
