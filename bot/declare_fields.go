package bot

import (
	"strings"
	"unicode"

	"github.com/tourniquet/tourniquet/incident"
)

// Structured fields an adapter may pass in Invocation.Fields (a Slack
// modal, Discord typed options) instead of, or besides, the command text.
const (
	// FieldTitle, FieldSeverity, FieldServices, FieldImpactStarted and
	// FieldDescription fill a declaration.
	FieldTitle         = "title"
	FieldSeverity      = "severity"
	FieldServices      = "services"
	FieldImpactStarted = "impact_started"
	FieldDescription   = "description"
	// FieldHere and FieldPrivate ("true" or empty) are the declare flags
	// of a form: make this channel the incident's, make it private.
	FieldHere    = "here"
	FieldPrivate = "private"
	// FieldPermalink and FieldAddedBy annotate a note captured from chat.
	FieldPermalink = "permalink"
	FieldAddedBy   = "added_by"
)

// declareFromFields builds the declared incident from the command and any
// structured fields, with the extra events they imply (services, an earlier
// impact start, a description). bad is a user-facing problem.
func declareFromFields(tx *Tx, c Command) (*incident.Incident, incident.Event, []incident.Event, Rich) {
	f := tx.Inv.Fields
	title, sev := c.Text, c.Severity
	if v := strings.TrimSpace(f[FieldTitle]); v != "" {
		title = plainMentions(v)
	}
	if v := f[FieldSeverity]; v != "" {
		s, err := incident.ParseSeverity(v)
		if err != nil {
			return nil, incident.Event{}, nil, Plain(err.Error())
		}
		sev = s
	}
	inc, ev, err := incident.Declare(tx.Now, tx.Actor(), sev, title)
	if err != nil {
		return nil, incident.Event{}, nil, Plain(err.Error())
	}
	var extra []incident.Event
	if v := strings.TrimSpace(f[FieldServices]); v != "" {
		names := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		x, err := inc.SetServices(tx.Now, tx.Actor(), names)
		if err != nil {
			return nil, incident.Event{}, nil, Plain(err.Error())
		}
		extra = append(extra, x)
	}
	if v := strings.TrimSpace(f[FieldImpactStarted]); v != "" {
		ts, err := parseTimeSpec(v)
		if err != nil {
			return nil, incident.Event{}, nil, Textf("impact start: %s", err.Error())
		}
		to := ts.Resolve(tx.Now)
		if !ts.Force && incident.CheckImpactStart(tx.Now, to) != nil {
			return nil, incident.Event{}, nil, Textf("%s If it is right, add `force` after it: `%s force`.", impactTooEarly(tx.Now, to), ts.Raw)
		}
		x, err := inc.MoveImpactStart(tx.Now, tx.Actor(), to)
		if err != nil {
			return nil, incident.Event{}, nil, Plain(err.Error())
		}
		extra = append(extra, x)
	}
	if v := strings.TrimSpace(f[FieldDescription]); v != "" {
		x, _ := inc.Note(tx.Now, tx.Actor(), plainMentions(v))
		extra = append(extra, x)
	}
	return inc, ev, extra, nil
}
