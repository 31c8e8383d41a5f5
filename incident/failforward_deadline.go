package incident

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// The bounds of a fail-forward deadline: shorter than a minute is no
// decision, longer than a day is not a deadline.
const (
	MinFailForwardWindow = time.Minute
	MaxFailForwardWindow = 24 * time.Hour
)

// Data keys of a fail_forward event taken with a deadline.
const (
	DataDeadline      = "deadline"       // RFC 3339, UTC
	DataWithinSeconds = "within_seconds" // the window as given
)

// ErrFailForwardWindow is a deadline outside the bounds.
var ErrFailForwardWindow = errors.New("a fail-forward deadline is between 1m and 24h (say 30m, 1h or 1h30m)")

var durationWord = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(h|m|s|ms))+$`)

// LooksLikeWindow reports whether word is written as a duration ("30m",
// "1h30m"): the first word of "fail-forward 30m <reason>".
func LooksLikeWindow(word string) bool { return durationWord.MatchString(word) }

// ParseFailForwardWindow reads a fail-forward deadline window ("30m").
func ParseFailForwardWindow(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || !LooksLikeWindow(s) {
		return 0, fmt.Errorf("%q is not a duration: %w", s, ErrFailForwardWindow)
	}
	if d < MinFailForwardWindow || d > MaxFailForwardWindow {
		return 0, ErrFailForwardWindow
	}
	return d, nil
}

// FailForwardWithin records the decision to fix forward, as FailForward
// does, with a deadline within from at: if impact still goes on then, the
// team is asked again.
func (i *Incident) FailForwardWithin(at time.Time, by Actor, reason string, within time.Duration) (Event, error) {
	if within < MinFailForwardWindow || within > MaxFailForwardWindow {
		return Event{}, ErrFailForwardWindow
	}
	ev, err := i.FailForward(at, by, reason)
	if err != nil {
		return ev, err
	}
	ev.Data[DataDeadline] = at.Add(within).UTC().Format(time.RFC3339)
	ev.Data[DataWithinSeconds] = int64(within / time.Second)
	return ev, nil
}

// FailForwardDeadline is the deadline a fail_forward event carries, if
// any.
func FailForwardDeadline(ev Event) (time.Time, bool) {
	s, _ := ev.Data[DataDeadline].(string)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}
