package timeline

import (
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Deadline verdicts of a fail-forward decision taken with a deadline.
const (
	// DeadlineHeld: impact was mitigated by the deadline.
	DeadlineHeld = "held"
	// DeadlineMissed: the deadline passed with impact still ongoing.
	DeadlineMissed = "missed"
	// DeadlinePending: the deadline is still ahead and impact goes on.
	DeadlinePending = "pending"
)

// deadlineVerdict says whether the fail-forward decision ev, taken with
// deadline due, held: impact (the window ev fell in) was mitigated by
// then. windows are the incident's own (an open window has no End); now
// is when the report is made (the resolution of a resolved incident).
func deadlineVerdict(ev incident.Event, due time.Time, windows []incident.Window, now time.Time) string {
	for _, w := range windows {
		if ev.At.Before(w.Start) {
			continue
		}
		if w.End != nil && ev.At.After(*w.End) {
			continue
		}
		switch {
		case w.End != nil && !w.End.After(due):
			return DeadlineHeld
		case w.End == nil && now.Before(due):
			return DeadlinePending
		}
		return DeadlineMissed
	}
	return DeadlineHeld // not in an impact window: nothing was left hurting
}

// deadlineText is the report's words for a decision's deadline: "" with
// none.
func deadlineText(d Decision) string {
	if d.Deadline == nil {
		return ""
	}
	at := d.Deadline.UTC().Format(LayoutShort)
	switch d.Held {
	case DeadlineHeld:
		return "deadline " + at + ": held"
	case DeadlinePending:
		return "deadline " + at + ": not reached yet"
	}
	return "deadline " + at + ": missed, impact went on past it"
}
