package probe

import (
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
)

// step is the state machine of one probe on one incident: the state after
// reading r at now. A reading the probe cannot tell from makes it
// unknown at once (and forgets the breach: nothing says it lasted); a
// breach makes it impacting once it has lasted the probe's "for"; a value
// within the threshold makes it clear. A breach that has not lasted yet
// leaves the status as it was (the panel says how long it has lasted).
func step(s storage.ProbeState, r Reading, p config.Probe, now time.Time) storage.ProbeState {
	s.EvaluatedAt = &now
	s.Value, s.Message = r.Value, r.Message
	next := s.Status
	switch {
	case r.Unknown:
		s.BreachSince = nil
		next = storage.ProbeUnknown
	case r.Breached:
		if s.BreachSince == nil || s.BreachSince.After(now) {
			s.BreachSince = &now
		}
		if now.Sub(*s.BreachSince) >= p.For {
			next = storage.ProbeImpacting
		}
	default:
		s.BreachSince = nil
		next = storage.ProbeClear
	}
	if next != s.Status {
		s.Status, s.StatusSince = next, now
	}
	return s
}

// nextDue is when a probe evaluated for due is due again: one interval on,
// or one interval from now when it fell behind (missed evaluations are not
// made up for, they would only repeat the last one).
func nextDue(due time.Time, interval time.Duration, now time.Time) time.Time {
	next := due.Add(interval)
	if !next.After(now) {
		next = now.Add(interval)
	}
	return next
}
