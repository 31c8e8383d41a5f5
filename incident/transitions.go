package incident

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Declare opens a new incident at time at. The incident has no ID or key
// until a store assigns them. Impact starts at the declaration unless moved
// earlier later on; the declarer leads until someone else is named. The
// title is cleaned (CleanText, one line) and at most MaxTitleLen long.
func Declare(at time.Time, by Actor, sev Severity, title string) (*Incident, Event, error) {
	title, err := ParseTitle(title)
	if err != nil {
		return nil, Event{}, err
	}
	if sev == "" {
		sev = DefaultSeverity
	}
	if !sev.Valid() {
		return nil, Event{}, ErrBadSeverity
	}
	inc := &Incident{
		Title:           title,
		Severity:        sev,
		Impact:          ImpactOngoing,
		Cause:           CauseUnknown,
		State:           StateOpen,
		Lead:            by,
		Declarer:        by,
		Services:        []string{},
		ImpactStartedAt: at,
		DeclaredAt:      at,
		Windows:         []Window{{Start: at}},
	}
	ev := NewEvent(at, KindDeclared, by, title, map[string]any{"severity": string(sev)})
	return inc, ev, nil
}

func (i *Incident) mustBeOpen() error {
	if i.State == StateResolved {
		return ErrResolved
	}
	return nil
}

// SetSeverity changes the severity.
func (i *Incident) SetSeverity(at time.Time, by Actor, sev Severity) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	if !sev.Valid() {
		return Event{}, ErrBadSeverity
	}
	if sev == i.Severity {
		return Event{}, ErrSameSeverity
	}
	from := i.Severity
	i.Severity = sev
	return NewEvent(at, KindSeverityChanged, by, string(from)+" → "+string(sev),
		map[string]any{"from": string(from), "to": string(sev)}), nil
}

// AssignLead makes lead the incident lead. Who may do so is the caller's
// rule (see HasLead); the event records who changed it from whom to whom,
// by reference ("from" is empty when nobody led).
func (i *Incident) AssignLead(at time.Time, by Actor, lead Actor) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	if lead.IsZero() {
		return Event{}, ErrNoLead
	}
	if i.Lead.Same(lead) {
		return Event{}, ErrSameLead
	}
	lead.Name = CleanText(lead.Name, SingleLine)
	from := ""
	if i.HasLead() {
		from = i.Lead.Ref()
	}
	i.Lead = lead
	return NewEvent(at, KindLeadAssigned, by, lead.Display(),
		map[string]any{"lead": lead.Ref(), "from": from, "to": lead.Ref()}), nil
}

// Rename gives the incident a new title, cleaned and bounded as Declare's.
func (i *Incident) Rename(at time.Time, by Actor, title string) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	title, err := ParseTitle(title)
	if err != nil {
		return Event{}, err
	}
	if title == i.Title {
		return Event{}, ErrSameTitle
	}
	from := i.Title
	i.Title = title
	return NewEvent(at, KindRenamed, by, title, map[string]any{"from": from, "to": title}), nil
}

// SetServices replaces the services the incident affects. Every name must
// pass ParseServiceName; empty ones (from "a, , b") are skipped.
func (i *Incident) SetServices(at time.Time, by Actor, names []string) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	var clean []string
	for _, n := range names {
		if n = strings.Trim(strings.TrimSpace(n), ","); n == "" {
			continue
		}
		n, err := ParseServiceName(n)
		if err != nil {
			return Event{}, err
		}
		if !slices.Contains(clean, n) {
			clean = append(clean, n)
		}
	}
	if len(clean) == 0 {
		return Event{}, ErrNoServices
	}
	i.Services = clean
	return NewEvent(at, KindServicesChanged, by, strings.Join(clean, ", "),
		map[string]any{"services": clean}), nil
}

// Update records a status update for stakeholders.
func (i *Incident) Update(at time.Time, by Actor, text string) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	return NewEvent(at, KindStatusUpdate, by, CleanText(text, MultiLine), nil), nil
}

// Note records a note. Notes are allowed on resolved incidents too: people
// remember things afterwards.
func (i *Incident) Note(at time.Time, by Actor, text string) (Event, error) {
	return NewEvent(at, KindNote, by, CleanText(text, MultiLine), nil), nil
}

// Mitigate records that customer impact has stopped. The first mitigation
// sets MitigatedAt, which the time-to-mitigate metric counts to.
func (i *Incident) Mitigate(at time.Time, by Actor, how string) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	if i.Impact == ImpactMitigated {
		return Event{}, ErrAlreadyMitigated
	}
	i.Impact = ImpactMitigated
	if i.MitigatedAt == nil {
		t := at
		i.MitigatedAt = &t
	}
	if n := len(i.Windows); n > 0 && i.Windows[n-1].End == nil {
		t := at
		i.Windows[n-1].End = &t
	}
	return NewEvent(at, KindMitigated, by, CleanText(how, MultiLine), nil), nil
}

// Regress records that customer impact is back after a mitigation.
func (i *Incident) Regress(at time.Time, by Actor, what string) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	if i.Impact != ImpactMitigated {
		return Event{}, ErrNotMitigated
	}
	i.Impact = ImpactOngoing
	i.Windows = append(i.Windows, Window{Start: at})
	return NewEvent(at, KindRegressed, by, CleanText(what, MultiLine), map[string]any{"regression": len(i.Windows) - 1}), nil
}

// Diagnose records that the cause is identified.
func (i *Incident) Diagnose(at time.Time, by Actor, cause string) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	cause = CleanText(cause, MultiLine)
	if cause == "" {
		return Event{}, ErrEmptyCause
	}
	if i.Cause == CauseIdentified {
		return Event{}, ErrAlreadyDiagnosed
	}
	i.Cause = CauseIdentified
	i.CauseText = cause
	t := at
	i.DiagnosedAt = &t
	return NewEvent(at, KindDiagnosed, by, cause, nil), nil
}

// FailForward records the team's decision to fix forward while impact
// continues, and why.
func (i *Incident) FailForward(at time.Time, by Actor, reason string) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	reason = CleanText(reason, MultiLine)
	if reason == "" {
		return Event{}, ErrEmptyReason
	}
	if i.Impact != ImpactOngoing {
		return Event{}, ErrNotOngoing
	}
	return NewEvent(at, KindFailForward, by, reason, nil), nil
}

// MoveImpactStart records that impact began at to rather than when it was
// thought to. It may not be in the future (now is at) nor after the first
// mitigation.
func (i *Incident) MoveImpactStart(at time.Time, by Actor, to time.Time) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	if to.After(at) {
		return Event{}, ErrImpactStartInFuture
	}
	if i.MitigatedAt != nil && to.After(*i.MitigatedAt) {
		return Event{}, ErrImpactStartAfterMitigation
	}
	// A start after the end of a later window would make no sense either.
	if len(i.Windows) > 1 && !to.Before(i.Windows[1].Start) {
		return Event{}, ErrImpactStartAfterMitigation
	}
	from := i.ImpactStartedAt
	i.ImpactStartedAt = to
	if len(i.Windows) > 0 {
		i.Windows[0].Start = to
	} else {
		i.Windows = []Window{{Start: to}}
	}
	return NewEvent(at, KindImpactStartMoved, by, to.UTC().Format(time.RFC3339),
		map[string]any{"from": from.UTC().Format(time.RFC3339), "to": to.UTC().Format(time.RFC3339)}), nil
}

// Resolve closes the incident: the permanent fix is in. Resolution does not
// imply mitigation; an impact window still open is counted up to now.
func (i *Incident) Resolve(at time.Time, by Actor, summary string) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	i.State = StateResolved
	i.Summary = CleanText(summary, MultiLine)
	t := at
	i.ResolvedAt = &t
	return NewEvent(at, KindResolved, by, i.Summary,
		map[string]any{"impact": string(i.Impact), "cause": string(i.Cause)}), nil
}

// Clone returns a deep copy of i.
func (i *Incident) Clone() *Incident {
	c := *i
	c.Services = slices.Clone(i.Services)
	c.Channels = slices.Clone(i.Channels)
	c.Roles = maps.Clone(i.Roles)
	c.Windows = make([]Window, len(i.Windows))
	for k, w := range i.Windows {
		c.Windows[k].Start = w.Start
		if w.End != nil {
			e := *w.End
			c.Windows[k].End = &e
		}
	}
	for _, p := range []**time.Time{&c.MitigatedAt, &c.DiagnosedAt, &c.ResolvedAt} {
		if *p != nil {
			t := **p
			*p = &t
		}
	}
	return &c
}
