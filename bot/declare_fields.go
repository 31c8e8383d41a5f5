package bot

import (
	"github.com/tourniquet/tourniquet/incident"
)

// Names of arguments that forms and typed options give by name (the
// Slack declare form's inputs, Discord's options), besides the typed line.
const (
	// FieldTitle, FieldSeverity, FieldServices, FieldImpactStarted and
	// FieldDescription fill a declaration.
	FieldTitle         = "title"
	FieldSeverity      = "severity"
	FieldServices      = "services"
	FieldImpactStarted = "impact_started"
	FieldDescription   = "description"
	// FieldHere and FieldPrivate are the declare flags: make this channel
	// the incident's, make it private.
	FieldHere    = "here"
	FieldPrivate = "private"
	// FieldPermalink and FieldAddedBy annotate a note captured from chat.
	FieldPermalink = "permalink"
	FieldAddedBy   = "added_by"
)

// declared builds the declared incident from the command, with the extra
// events its arguments imply (services, an earlier impact start, a
// description). bad is a user-facing problem. Every value was checked
// when the command was read, typed or from a form alike.
func declared(tx *Tx, c Command) (*incident.Incident, incident.Event, []incident.Event, Rich) {
	inc, ev, err := incident.Declare(tx.Now, tx.Actor(), c.Severity(FieldSeverity), c.Text(FieldTitle))
	if err != nil {
		return nil, incident.Event{}, nil, Plain(err.Error())
	}
	var extra []incident.Event
	if names := c.Services(FieldServices); len(names) > 0 {
		x, err := inc.SetServices(tx.Now, tx.Actor(), names)
		if err != nil {
			return nil, incident.Event{}, nil, Plain(err.Error())
		}
		extra = append(extra, x)
	}
	if c.Has(FieldImpactStarted) {
		ts := c.Time(FieldImpactStarted)
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
	if d := c.Text(FieldDescription); d != "" {
		x, _ := inc.Note(tx.Now, tx.Actor(), d)
		extra = append(extra, x)
	}
	return inc, ev, extra, nil
}
