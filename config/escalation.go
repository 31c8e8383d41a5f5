package config

import (
	"fmt"
	"slices"
)

// Escalation steps of unanswered check-ins (Checkins.Escalation), in the
// only order they may be given: each asks more people than the last.
const (
	EscalateLead    = "lead"
	EscalateChannel = "channel"
	EscalatePage    = "page"
)

var escalationOrder = []string{EscalateLead, EscalateChannel, EscalatePage}

// CheckEscalation checks checkins.escalation: known steps, each once, in
// the order lead, channel, page (leave out the ones not wanted).
func CheckEscalation(steps []string) error {
	last := -1
	for _, s := range steps {
		i := slices.Index(escalationOrder, s)
		switch {
		case i < 0:
			return fmt.Errorf("unknown step %q (want lead, channel or page)", s)
		case i <= last:
			return fmt.Errorf("steps go in the order lead, channel, page, each once; leave out the ones not wanted (got %v)", steps)
		}
		last = i
	}
	return nil
}
