package spec

import (
	"fmt"

	"github.com/tourniquet/tourniquet/actiontype"
)

// Note describes a run in one line for the external system's audit trail
// (a LaunchDarkly comment): "INC-7: Kill switch: new checkout, by alice
// (Tourniquet run 0190…)"; an undo says so.
func Note(req actiontype.Request) string {
	what := req.ActionTitle
	if what == "" {
		what = req.ActionID
	}
	if req.Undo {
		what = "undo of " + what
	}
	s := what
	if req.IncidentKey != "" {
		s = req.IncidentKey + ": " + s
	}
	if !req.Actor.IsZero() {
		s += ", by " + req.Actor.Display()
	}
	if req.RunID != "" {
		s += fmt.Sprintf(" (Tourniquet run %s)", req.RunID)
	}
	return s
}
