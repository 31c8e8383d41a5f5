package timeline

import (
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Facts are what a summary may be written from: the incident's numbers,
// what was done and what was decided, with no secret and no person's name.
// It is the whole input of a Summarizer.
type Facts struct {
	Key      string   `json:"key"`
	Title    string   `json:"title"`
	Severity string   `json:"severity"`
	State    string   `json:"state"`
	Impact   string   `json:"impact"`
	Cause    string   `json:"cause"`
	Services []string `json:"services"`

	ImpactStartedAt time.Time  `json:"impact_started_at"`
	DeclaredAt      time.Time  `json:"declared_at"`
	MitigatedAt     *time.Time `json:"mitigated_at"`
	DiagnosedAt     *time.Time `json:"diagnosed_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	// AsOf is the time open clocks are counted to.
	AsOf time.Time `json:"as_of"`

	// The two clocks and the headline, as people read them ("12m") and
	// in seconds (nil: not reached).
	TimeToMitigate        string `json:"time_to_mitigate"`
	TimeToMitigateSeconds *int64 `json:"time_to_mitigate_seconds"`
	TimeToDiagnose        string `json:"time_to_diagnose"`
	TimeToDiagnoseSeconds *int64 `json:"time_to_diagnose_seconds"`
	TimeToResolve         string `json:"time_to_resolve"`
	CustomerImpact        string `json:"customer_impact"`
	CustomerImpactSeconds int64  `json:"customer_impact_seconds"`
	ImpactWindows         int    `json:"impact_windows"`
	Regressions           int    `json:"regressions"`
	// MitigatedBeforeDiagnosed is nil when either clock has not stopped.
	MitigatedBeforeDiagnosed *bool `json:"mitigated_before_diagnosed"`

	// MitigatedHow is what the person who first marked impact mitigated
	// said it took; MitigatedByAction is the action run they credited,
	// when they answered "Yes, mitigated" to the question after it worked.
	// An action that merely succeeded is never credited.
	MitigatedHow      string `json:"mitigated_how,omitempty"`
	MitigatedByAction string `json:"mitigated_by_action,omitempty"`

	// CauseText is what the diagnosis said; Resolution what the resolution said.
	CauseText  string `json:"cause_text,omitempty"`
	Resolution string `json:"resolution,omitempty"`

	Actions                     []FactAction   `json:"actions"`
	FailForward                 []FactDecision `json:"fail_forward_decisions"`
	InstrumentationDuringImpact []string       `json:"instrumentation_during_impact"`
	EscalatedCheckins           int            `json:"escalated_checkins"`
	// MitigationDelay is how long a mitigation action sat unused after it
	// was first offered ("" when none was run).
	MitigationDelay string `json:"mitigation_action_delay,omitempty"`
	// Updates are the latest status updates, oldest first.
	Updates []FactNote `json:"status_updates,omitempty"`
}

// FactAction is an action run.
type FactAction struct {
	At      time.Time `json:"at"`
	Action  string    `json:"action"`
	Kind    string    `json:"kind,omitempty"`
	Outcome string    `json:"outcome"`
	Phase   Phase     `json:"phase"`
}

// FactDecision is a fail-forward decision.
type FactDecision struct {
	At          time.Time `json:"at"`
	Reason      string    `json:"reason"`
	ImpactAfter string    `json:"impact_continued_for"`
}

// FactNote is a status update.
type FactNote struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// maxFactUpdates and maxFactText bound what free text goes to a model.
const (
	maxFactUpdates = 10
	maxFactText    = 400
)

func clip(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// FactsOf extracts the facts of an export. Every free text passes through
// redact (nil: none), which must remove secrets and tokens.
func FactsOf(x Export, redact func(string) string) Facts {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	r := func(s string) string { return clip(redact(s), maxFactText) }
	m := x.Metrics
	f := Facts{
		Key: x.Incident.Key, Title: r(x.Incident.Title), Severity: string(x.Incident.Severity),
		State: string(x.Incident.State), Impact: string(x.Incident.Impact), Cause: string(x.Incident.Cause),
		Services:        x.Incident.Services,
		ImpactStartedAt: x.ImpactStartedAt, DeclaredAt: x.DeclaredAt,
		MitigatedAt: x.MitigatedAt, DiagnosedAt: x.DiagnosedAt, ResolvedAt: x.ResolvedAt, AsOf: x.GeneratedAt,
		TimeToMitigate: FormatClock(m.TimeToMitigate), TimeToMitigateSeconds: m.TimeToMitigate,
		TimeToDiagnose: FormatClock(m.TimeToDiagnose), TimeToDiagnoseSeconds: m.TimeToDiagnose,
		TimeToResolve:  FormatClock(m.TimeToResolve),
		CustomerImpact: FormatSeconds(m.CustomerImpact), CustomerImpactSeconds: m.CustomerImpact,
		ImpactWindows: len(x.ImpactWindows), Regressions: m.Regressions,
		MitigatedBeforeDiagnosed: m.MitigatedBeforeDiagnosed,
		CauseText:                r(x.Incident.CauseText), Resolution: r(x.Incident.Summary),
		Actions: []FactAction{}, FailForward: []FactDecision{}, InstrumentationDuringImpact: []string{},
		EscalatedCheckins: len(x.Analysis.EscalatedCheckins),
	}
	if f.Services == nil {
		f.Services = []string{}
	}
	for _, a := range x.Analysis.Actions {
		f.Actions = append(f.Actions, FactAction{At: a.FirstAt, Action: r(a.Action), Kind: a.Kind, Outcome: a.Outcome, Phase: a.Phase})
	}
	for _, d := range x.Analysis.FailForward {
		f.FailForward = append(f.FailForward, FactDecision{At: d.At, Reason: r(d.Reason), ImpactAfter: FormatSeconds(d.ImpactAfter)})
	}
	for _, i := range x.Analysis.Instrumentation {
		f.InstrumentationDuringImpact = append(f.InstrumentationDuringImpact, r(i.Action))
	}
	if s := x.Analysis.MitigationDelay.Seconds; s != nil {
		f.MitigationDelay = FormatSeconds(*s)
	}
	for _, ev := range x.Events {
		if ev.Kind != incident.KindMitigated {
			continue
		}
		if ev.Data["credited"] == true {
			f.MitigatedByAction = r(dataString(ev.Data, "title", "action_id"))
		} else {
			f.MitigatedHow = r(ev.Text)
		}
		break // the first mitigation is the one the clock stops at
	}
	var updates []FactNote
	for _, ev := range x.Events {
		if ev.Kind == incident.KindStatusUpdate {
			updates = append(updates, FactNote{At: ev.At, Text: r(ev.Text)})
		}
	}
	if len(updates) > maxFactUpdates {
		updates = updates[len(updates)-maxFactUpdates:]
	}
	f.Updates = updates
	return f
}
