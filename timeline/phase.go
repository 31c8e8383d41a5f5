package timeline

import (
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Phase is where on the impact clock an event fell.
type Phase string

// Phases of an incident, as the report tags events.
const (
	// PhaseBeforeImpact is before impact started (rare: only events dated
	// before a moved impact start).
	PhaseBeforeImpact Phase = "before impact"
	// PhaseDuringImpact is while customers were hurt: from impact start
	// (or a regression) up to, not including, the mitigation.
	PhaseDuringImpact Phase = "during impact"
	// PhaseAfterMitigation is while impact was mitigated.
	PhaseAfterMitigation Phase = "after mitigation"
	// PhaseAfterResolution is after the incident was resolved.
	PhaseAfterResolution Phase = "after resolution"
)

// Event is one timeline entry with the impact phase it fell in. In JSON it
// is the event of DESIGN §4 with one more field, "phase".
type Event struct {
	incident.Event
	Phase Phase `json:"phase"`
}

// IsAction reports whether the event is a step of an action run
// (action_requested … action_unknown).
func (e Event) IsAction() bool { return isAction(e.Kind) }

// Action is the action the event is about: its title, ID, or text.
func (e Event) Action() string { return actionName(e.Event) }

// ActionKind is the kind of the action the event is about (rollback,
// instrumentation…); "" when it names none.
func (e Event) ActionKind() string { return actionKind(e.Event) }

// Answer is the answer a check-in event carries ("yes", "partial", "no");
// "" when it carries none.
func (e Event) Answer() string { return dataString(e.Data, "answer") }

// phaser tags times with phases. Windows are the incident's raw impact
// windows (End nil while open), so that an event at the instant of a
// mitigation is already "after mitigation" and the resolution of a
// never-mitigated incident is still "during impact".
type phaser struct {
	windows  []incident.Window
	resolved *time.Time
}

func newPhaser(inc *incident.Incident) phaser {
	ws := inc.Windows
	if len(ws) == 0 {
		ws = []incident.Window{{Start: inc.ImpactStartedAt, End: inc.MitigatedAt}}
	}
	return phaser{windows: ws, resolved: inc.ResolvedAt}
}

// at returns the phase of instant t.
func (p phaser) at(t time.Time) Phase {
	if len(p.windows) > 0 && t.Before(p.windows[0].Start) {
		return PhaseBeforeImpact
	}
	if p.resolved != nil && t.After(*p.resolved) {
		return PhaseAfterResolution
	}
	for _, w := range p.windows {
		if !t.Before(w.Start) && (w.End == nil || t.Before(*w.End)) {
			return PhaseDuringImpact
		}
	}
	return PhaseAfterMitigation
}
