package timeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Analysis is what the report points out about an incident beyond its
// metrics: the decisions and the habits the product is built to expose.
type Analysis struct {
	// DiagnosedBeforeMitigated is true when the cause was identified before
	// impact was first mitigated (or impact was never mitigated):
	// customers waited on the diagnosis.
	DiagnosedBeforeMitigated bool `json:"diagnosed_before_mitigated"`
	// FailForward lists the fail-forward decisions and their reasons.
	FailForward []Decision `json:"fail_forward"`
	// Instrumentation lists instrumentation (a microscope, not recovery)
	// run while customers were hurt.
	Instrumentation []Flagged `json:"instrumentation_during_impact"`
	// Regressions lists each time impact came back.
	Regressions []Regression `json:"regressions"`
	// EscalatedCheckins lists check-ins left unanswered past escalation.
	EscalatedCheckins []Flagged `json:"escalated_checkins"`
	// MitigationDelay is the time from when a mitigation action was first
	// offered to when one was first started.
	MitigationDelay MitigationDelay `json:"mitigation_delay"`
	// Actions are the action runs and their outcomes.
	Actions []ActionRun `json:"actions"`
}

// Decision is a recorded fail-forward decision.
type Decision struct {
	At     time.Time      `json:"at"`
	By     incident.Actor `json:"by"`
	Reason string         `json:"reason"`
	// ImpactAfter is how long impact went on after the decision (to the
	// next mitigation, the resolution or now), in seconds.
	ImpactAfter int64 `json:"impact_after"`
	// Deadline is the deadline the decision was taken with, if any
	// ("fail-forward 30m …"); Held says whether it held: "held" (impact
	// mitigated by then), "missed" or "pending".
	Deadline *time.Time `json:"deadline,omitempty"`
	Held     string     `json:"held,omitempty"`
}

// Flagged is an event the report calls out.
type Flagged struct {
	At   time.Time      `json:"at"`
	Kind incident.Kind  `json:"kind"`
	By   incident.Actor `json:"by"`
	Text string         `json:"text"`
	// Action is the action's ID or title, when the event is about one.
	Action string `json:"action,omitempty"`
}

// Regression is one return of customer impact after a mitigation.
type Regression struct {
	// Number counts regressions from 1.
	Number int            `json:"number"`
	At     time.Time      `json:"at"`
	By     incident.Actor `json:"by"`
	Text   string         `json:"text"`
	// Lasted is how long this impact window lasted, in seconds (to its
	// mitigation, the resolution or now).
	Lasted int64 `json:"lasted"`
	// MitigatedAgainAt is when it was mitigated again; nil if never.
	MitigatedAgainAt *time.Time `json:"mitigated_again_at"`
}

// MitigationDelay measures how long a safe move sat unused.
type MitigationDelay struct {
	// AvailableAt is when a mitigation action was first offered: the
	// declaration (whose card carries the buttons) or the first check-in,
	// whichever came first.
	AvailableAt *time.Time `json:"available_at"`
	// UsedAt is when the first mitigation action (not instrumentation)
	// started; nil when none was run.
	UsedAt *time.Time `json:"used_at"`
	// Action is the action first started.
	Action string `json:"action,omitempty"`
	// Seconds is UsedAt − AvailableAt; nil when either is missing.
	Seconds *int64 `json:"seconds"`
}

// ActionRun is one run of a mitigation action, assembled from its
// action_* events.
type ActionRun struct {
	Action string         `json:"action"`
	Kind   string         `json:"kind,omitempty"`
	By     incident.Actor `json:"by"`
	// FirstAt is the run's first event; StartedAt and FinishedAt are nil
	// when it never started or never finished.
	FirstAt    time.Time  `json:"first_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// Outcome is the kind of the run's last event without the "action_"
	// prefix: requested, approved, denied, started, succeeded, failed or
	// unknown.
	Outcome string `json:"outcome"`
	// Text is what the last event said.
	Text string `json:"text"`
	// Phase is the impact phase the run began in.
	Phase Phase `json:"phase"`
}

// InstrumentationKind is the action kind of a microscope.
const InstrumentationKind = "instrumentation"

func dataString(d map[string]any, keys ...string) string {
	for _, k := range keys {
		switch v := d[k].(type) {
		case string:
			if v != "" {
				return v
			}
		case float64:
			return fmt.Sprintf("%.0f", v)
		case int64:
			return fmt.Sprint(v)
		case int:
			return fmt.Sprint(v)
		}
	}
	return ""
}

func isAction(k incident.Kind) bool { return strings.HasPrefix(string(k), "action_") }

// actionName is the action an event is about: its title, ID, or text.
func actionName(ev incident.Event) string {
	if s := dataString(ev.Data, "title", "action_title", "action", "action_id"); s != "" {
		return s
	}
	return ev.Text
}

func actionKind(ev incident.Event) string { return dataString(ev.Data, "kind", "action_kind") }

// runKey identifies the run an action event belongs to; "" when the event
// names none.
func runKey(ev incident.Event) string { return dataString(ev.Data, "run_id", "run") }

func ptrTime(t time.Time) *time.Time { return &t }

// analyze computes the analysis of an incident from its phased events.
// windows are the impact windows closed at resolution or now.
func analyze(inc *incident.Incident, evs []Event, windows []incident.Window, now time.Time) Analysis {
	if inc.ResolvedAt != nil {
		now = *inc.ResolvedAt
	}
	a := Analysis{
		FailForward:       []Decision{},
		Instrumentation:   []Flagged{},
		Regressions:       []Regression{},
		EscalatedCheckins: []Flagged{},
		Actions:           []ActionRun{},
	}
	if inc.DiagnosedAt != nil && (inc.MitigatedAt == nil || inc.DiagnosedAt.Before(*inc.MitigatedAt)) {
		a.DiagnosedBeforeMitigated = true
	}
	// windowEnd is the end of the closed impact window holding t, or t.
	windowEnd := func(t time.Time) time.Time {
		for _, w := range windows {
			if !t.Before(w.Start) && !t.After(*w.End) {
				return *w.End
			}
		}
		return t
	}
	runs := map[string]int{} // run key → index in a.Actions
	instr := map[string]bool{}
	regression := 0
	for _, ev := range evs {
		switch {
		case ev.Kind == incident.KindFailForward:
			d := Decision{At: ev.At, By: ev.Actor, Reason: ev.Text,
				ImpactAfter: int64(windowEnd(ev.At).Sub(ev.At) / time.Second)}
			if due, ok := incident.FailForwardDeadline(ev.Event); ok {
				d.Deadline, d.Held = &due, deadlineVerdict(ev.Event, due, inc.Windows, now)
			}
			a.FailForward = append(a.FailForward, d)
		case ev.Kind == incident.KindRegressed:
			regression++
			r := Regression{Number: regression, At: ev.At, By: ev.Actor, Text: ev.Text}
			if regression < len(inc.Windows) {
				r.MitigatedAgainAt = inc.Windows[regression].End
			}
			r.Lasted = int64(windowEnd(ev.At).Sub(ev.At) / time.Second)
			a.Regressions = append(a.Regressions, r)
		case ev.Kind == incident.KindCheckinEscalated:
			a.EscalatedCheckins = append(a.EscalatedCheckins, Flagged{At: ev.At, Kind: ev.Kind, By: ev.Actor, Text: ev.Text})
		case ev.Kind == incident.KindDeclared || ev.Kind == incident.KindCheckinSent:
			if a.MitigationDelay.AvailableAt == nil || ev.At.Before(*a.MitigationDelay.AvailableAt) {
				a.MitigationDelay.AvailableAt = ptrTime(ev.At)
			}
		}
		if isAction(ev.Kind) {
			a.addActionEvent(ev, runs)
			if ev.Kind == incident.KindActionStarted && actionKind(ev.Event) != InstrumentationKind && a.MitigationDelay.UsedAt == nil {
				a.MitigationDelay.UsedAt = ptrTime(ev.At)
				a.MitigationDelay.Action = actionName(ev.Event)
			}
		}
		flag := ev.Data["instrumentation_during_impact"] == true ||
			(isAction(ev.Kind) && actionKind(ev.Event) == InstrumentationKind && ev.Phase == PhaseDuringImpact &&
				ev.Kind != incident.KindActionDenied)
		if flag {
			key := runKey(ev.Event)
			if key == "" || !instr[key] {
				if key != "" {
					instr[key] = true
				}
				a.Instrumentation = append(a.Instrumentation, Flagged{At: ev.At, Kind: ev.Kind, By: ev.Actor,
					Text: ev.Text, Action: actionName(ev.Event)})
			}
		}
	}
	if d := a.MitigationDelay; d.AvailableAt != nil && d.UsedAt != nil {
		s := int64(d.UsedAt.Sub(*d.AvailableAt) / time.Second)
		a.MitigationDelay.Seconds = &s
	}
	return a
}

// addActionEvent folds one action_* event into the run it belongs to.
func (a *Analysis) addActionEvent(ev Event, runs map[string]int) {
	key := runKey(ev.Event)
	idx, ok := runs[key]
	if key == "" || !ok {
		a.Actions = append(a.Actions, ActionRun{Action: actionName(ev.Event), Kind: actionKind(ev.Event),
			By: ev.Actor, FirstAt: ev.At, Phase: ev.Phase})
		idx = len(a.Actions) - 1
		if key != "" {
			runs[key] = idx
		}
	}
	r := &a.Actions[idx]
	r.Outcome = strings.TrimPrefix(string(ev.Kind), "action_")
	if ev.Text != "" {
		r.Text = ev.Text
	}
	if r.Kind == "" {
		r.Kind = actionKind(ev.Event)
	}
	switch ev.Kind {
	case incident.KindActionStarted:
		if r.StartedAt == nil {
			r.StartedAt = ptrTime(ev.At)
		}
	case incident.KindActionSucceeded, incident.KindActionFailed, incident.KindActionUnknown:
		r.FinishedAt = ptrTime(ev.At)
	}
}
