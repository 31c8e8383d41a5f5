package timeline

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// ExportIncident is the "incident" object of the export.
type ExportIncident struct {
	Key      string            `json:"key"`
	Title    string            `json:"title"`
	Severity incident.Severity `json:"severity"`
	Impact   incident.Impact   `json:"impact"`
	Cause    incident.Cause    `json:"cause"`
	State    incident.State    `json:"state"`
	Lead     incident.Actor    `json:"lead"`
	Declarer incident.Actor    `json:"declarer"`
	Services []string          `json:"services"`
	// Roles are who holds each configured incident role (comms,
	// scribe…), by role name; {} when nobody holds one.
	Roles map[string]incident.Actor `json:"roles"`
	// Private incidents are shown only with a link signed for them or
	// to the API token's holder (DESIGN §8: incident.private).
	Private bool `json:"private"`
	// Drill is true for a drill (DESIGN §8): a rehearsal, left out of
	// reports and metrics by default. Its declared event says so.
	Drill bool `json:"drill"`
	// CauseText and Summary say what the diagnosis and resolution said.
	CauseText string `json:"cause_text,omitempty"`
	Summary   string `json:"summary,omitempty"`
}

// Export is an incident's timeline in the shape of DESIGN §4, used by
// `tourniquet export --format json` and /api/v1/incidents/{key}/timeline.
type Export struct {
	Incident        ExportIncident `json:"incident"`
	ImpactStartedAt time.Time      `json:"impact_started_at"`
	DeclaredAt      time.Time      `json:"declared_at"`
	MitigatedAt     *time.Time     `json:"mitigated_at"`
	DiagnosedAt     *time.Time     `json:"diagnosed_at"`
	ResolvedAt      *time.Time     `json:"resolved_at"`
	// MitigationVerifiedAt is when the impact probes first verified a
	// mitigation (probes.go); nil when they did not.
	MitigationVerifiedAt *time.Time `json:"mitigation_verified_at"`
	Metrics              Metrics    `json:"metrics"`
	// ImpactWindows are the stretches of ongoing impact, open ones closed
	// at resolution or at the time of the export.
	ImpactWindows []incident.Window `json:"impact_windows"`
	// Events are the timeline in order, each tagged with its impact phase.
	Events []Event `json:"events"`
	// Analysis is what the report points out: decisions, flags, actions.
	Analysis Analysis `json:"analysis"`
	// Changes are the changes to the incident's services near its impact
	// and what became of each (WithChanges; changes.go).
	Changes []ChangeStory `json:"changes"`
	// GeneratedAt is the "now" open clocks were counted to.
	GeneratedAt time.Time `json:"generated_at"`
	// Probes is what the impact probes saw, for the findings.
	Probes ProbeView `json:"-"`
	// ProbeSeries are the probes' samples for the chart, when the reader
	// loaded them (WithProbeSeries).
	ProbeSeries []ProbeSeries `json:"-"`
}

// Build assembles the export of inc from its events as of now.
func Build(inc *incident.Incident, events []incident.Event, now time.Time) Export {
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	services := inc.Services
	if services == nil {
		services = []string{}
	}
	ph := newPhaser(inc)
	evs := make([]Event, len(events))
	for i, ev := range events {
		ev.At = ev.At.UTC()
		if ev.Data == nil {
			ev.Data = map[string]any{}
		}
		evs[i] = Event{Event: ev, Phase: ph.at(ev.At)}
	}
	windows := inc.ImpactWindows(now)
	for i := range windows {
		windows[i].Start = windows[i].Start.UTC()
		windows[i].End = utc(windows[i].End)
	}
	end := now
	if inc.ResolvedAt != nil {
		end = *inc.ResolvedAt
	}
	pv := probeView(inc, evs, end)
	metrics := Metrics{Metrics: inc.ComputeMetrics(now), ProbeImpact: pv.Impact}
	if pv.VerifiedAt != nil {
		metrics.TimeToVerifiedMitigation = new(secs(inc.ImpactStartedAt, *pv.VerifiedAt))
	}
	return Export{
		Incident: ExportIncident{Key: inc.Key, Title: inc.Title, Severity: inc.Severity, Impact: inc.Impact,
			Cause: inc.Cause, State: inc.State, Lead: inc.Lead, Declarer: inc.Declarer, Services: services,
			Roles:     exportRoles(inc.Roles),
			CauseText: inc.CauseText, Summary: inc.Summary, Private: inc.Private, Drill: isDrill(events)},
		ImpactStartedAt:      inc.ImpactStartedAt.UTC(),
		DeclaredAt:           inc.DeclaredAt.UTC(),
		MitigatedAt:          utc(inc.MitigatedAt),
		DiagnosedAt:          utc(inc.DiagnosedAt),
		ResolvedAt:           utc(inc.ResolvedAt),
		MitigationVerifiedAt: utc(pv.VerifiedAt),
		Metrics:              metrics,
		Probes:               pv,
		ImpactWindows:        windows,
		Events:               evs,
		Analysis:             analyze(inc, evs, windows, now),
		Changes:              []ChangeStory{},
		GeneratedAt:          now.UTC(),
	}
}

// JSON renders the export, indented, with a trailing newline.
func (x Export) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode export: %w", err)
	}
	return append(b, '\n'), nil
}

// CompactJSON renders the export on one line with a trailing newline, as
// the API serves it.
func (x Export) CompactJSON() ([]byte, error) {
	b, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("encode export: %w", err)
	}
	return append(b, '\n'), nil
}

// exportRoles is an incident's role holders for the export: never null, so
// that readers can index it.
func exportRoles(roles map[string]incident.Actor) map[string]incident.Actor {
	if roles == nil {
		return map[string]incident.Actor{}
	}
	return roles
}

// isDrill reports whether the incident's declared event opened a drill.
func isDrill(events []incident.Event) bool {
	for _, ev := range events {
		if ev.Kind == incident.KindDeclared {
			return ev.Data["drill"] == true
		}
	}
	return false
}
