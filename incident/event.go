package incident

import "time"

// Kind is what an event records.
type Kind string

// Event kinds. The timeline is append-only; these are its vocabulary.
const (
	KindDeclared         Kind = "declared"
	KindSeverityChanged  Kind = "severity_changed"
	KindLeadAssigned     Kind = "lead_assigned"
	KindStatusUpdate     Kind = "status_update"
	KindNote             Kind = "note"
	KindServicesChanged  Kind = "services_changed"
	KindCheckinSent      Kind = "checkin_sent"
	KindCheckinAnswered  Kind = "checkin_answered"
	KindCheckinEscalated Kind = "checkin_escalated"
	KindActionRequested  Kind = "action_requested"
	KindActionDenied     Kind = "action_denied"
	KindActionApproved   Kind = "action_approved"
	KindActionStarted    Kind = "action_started"
	KindActionSucceeded  Kind = "action_succeeded"
	KindActionFailed     Kind = "action_failed"
	KindActionUnknown    Kind = "action_unknown"
	KindActionCancelled  Kind = "action_cancelled"
	KindMitigated        Kind = "mitigated"
	KindRegressed        Kind = "regressed"
	KindDiagnosed        Kind = "diagnosed"
	KindFailForward      Kind = "fail_forward"
	KindResolved         Kind = "resolved"
	KindImpactStartMoved Kind = "impact_start_moved"
	KindPermissionDenied Kind = "permission_denied"
	KindRenamed          Kind = "renamed"
)

// Source is how an event came about.
type Source string

// Event sources.
const (
	SourceTyped   Source = "typed"
	SourceButton  Source = "button"
	SourceCheckin Source = "checkin"
	SourceAction  Source = "action"
	SourceSystem  Source = "system"
)

// Event is one entry of an incident's timeline.
type Event struct {
	// ID is assigned by the store; events of one incident are ordered by Seq.
	ID         int64          `json:"-"`
	IncidentID int64          `json:"-"`
	Seq        int64          `json:"-"`
	At         time.Time      `json:"at"`
	Kind       Kind           `json:"kind"`
	Actor      Actor          `json:"actor"`
	Text       string         `json:"text"`
	Source     Source         `json:"source"`
	Data       map[string]any `json:"data"`
}

// NewEvent builds an event; data may be nil.
func NewEvent(at time.Time, kind Kind, by Actor, text string, data map[string]any) Event {
	if data == nil {
		data = map[string]any{}
	}
	return Event{At: at, Kind: kind, Actor: by, Text: text, Data: data}
}

// WithSource returns a copy of e tagged with source s.
func (e Event) WithSource(s Source) Event {
	e.Source = s
	return e
}
