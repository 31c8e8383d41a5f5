package incident

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Impact is the customer-impact clock's state.
type Impact string

// Impact states.
const (
	ImpactOngoing   Impact = "ongoing"
	ImpactMitigated Impact = "mitigated"
)

// Cause is the diagnosis clock's state.
type Cause string

// Cause states.
const (
	CauseUnknown    Cause = "unknown"
	CauseIdentified Cause = "identified"
)

// State is whether the incident is still open.
type State string

// Incident states.
const (
	StateOpen     State = "open"
	StateResolved State = "resolved"
)

// Window is one stretch of ongoing customer impact. End is nil while the
// stretch is still open.
type Window struct {
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end,omitempty"`
}

// Incident is one incident and its current state. Its history is in its
// events; the fields here are what the events add up to.
type Incident struct {
	ID       int64    `json:"-"`
	Key      string   `json:"key"`
	Title    string   `json:"title"`
	Severity Severity `json:"severity"`
	Impact   Impact   `json:"impact"`
	Cause    Cause    `json:"cause"`
	State    State    `json:"state"`
	Lead     Actor    `json:"lead"`
	Declarer Actor    `json:"declarer"`
	Services []string `json:"services"`
	// Private incidents live in private channels, are not announced, and
	// their pages and API entries are shown only to whoever holds a link
	// signed for the incident or the API token.
	Private bool `json:"private"`
	// Channels are the incident's chat channels, one or more per platform.
	Channels []ChannelRef `json:"channels,omitempty"`

	// Roles are the configured incident roles somebody holds (comms,
	// scribe), by role name; nil when none is held. See AssignRole.
	Roles map[string]Actor `json:"roles,omitempty"`

	ImpactStartedAt time.Time  `json:"impact_started_at"`
	DeclaredAt      time.Time  `json:"declared_at"`
	MitigatedAt     *time.Time `json:"mitigated_at"`
	DiagnosedAt     *time.Time `json:"diagnosed_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`

	// CauseText is what the diagnosis said; Summary what the resolution said.
	CauseText string `json:"cause_text,omitempty"`
	Summary   string `json:"summary,omitempty"`
	// Windows are the stretches of ongoing impact, oldest first.
	Windows []Window `json:"-"`
}

// KeyFor is the human key of incident id: "INC-<id>".
func KeyFor(id int64) string { return "INC-" + strconv.FormatInt(id, 10) }

// ParseKey accepts "INC-7", "inc-7" or "7" and returns 7.
func ParseKey(s string) (int64, error) {
	v := strings.TrimSpace(s)
	if len(v) > 4 && strings.EqualFold(v[:4], "INC-") {
		v = v[4:]
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an incident key (want INC-7 or 7)", s)
	}
	return id, nil
}

// Open reports whether the incident is not resolved.
func (i *Incident) Open() bool { return i.State != StateResolved }

// HasService reports whether the incident names service name.
func (i *Incident) HasService(name string) bool {
	for _, s := range i.Services {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

// ChannelOn returns the incident's first channel on platform.
func (i *Incident) ChannelOn(platform string) (ChannelRef, bool) {
	for _, c := range i.Channels {
		if c.Platform == platform {
			return c, true
		}
	}
	return ChannelRef{}, false
}

// HasLead reports whether a person leads the incident. An incident the
// system declared (from an alert) has nobody yet, and may be claimed.
func (i *Incident) HasLead() bool {
	return !i.Lead.IsZero() && i.Lead.Platform != PlatformSystem && i.Lead.ID != ""
}

// IsLead reports whether a is the incident's lead.
func (i *Incident) IsLead(a Actor) bool { return i.Lead.Same(a) }

// IsDeclarer reports whether a declared the incident.
func (i *Incident) IsDeclarer(a Actor) bool { return i.Declarer.Same(a) }
