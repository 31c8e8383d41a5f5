package actions

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/tmpl"
)

// UndoRule is an action's undo_for: which changes it undoes, and the
// params it runs with for one, rendered from the change.
type UndoRule struct {
	Kind incident.ChangeKind
	// Service is the changed service; "" means any of the action's
	// services.
	Service string
	params  map[string]*tmpl.Template
}

// newUndoRule parses an action's undo_for.
func newUndoRule(actionID string, u *config.UndoFor) (*UndoRule, error) {
	if u == nil {
		return nil, nil
	}
	r := &UndoRule{Kind: incident.ChangeKind(u.Kind), Service: u.Service, params: map[string]*tmpl.Template{}}
	for _, k := range slices.Sorted(maps.Keys(u.Params)) {
		t, err := tmpl.Parse("action "+actionID+" undo_for.params."+k, u.Params[k])
		if err != nil {
			return nil, err
		}
		r.params[k] = t
	}
	return r, nil
}

// Undoes reports whether a undoes ch: its rule names ch's kind and ch's
// service (or, naming none, a's services include it).
func (a Action) Undoes(ch incident.Change) bool {
	r := a.UndoFor
	if r == nil || r.Kind != ch.Kind {
		return false
	}
	if r.Service != "" {
		return r.Service == ch.Service
	}
	for _, s := range a.Services {
		if strings.EqualFold(strings.TrimSpace(s), ch.Service) {
			return true
		}
	}
	return false
}

// UndoParams are a's params with its undo_for params, rendered from ch,
// laid over them. A template naming what the change does not have (a
// missing param) is an error: the run would not be what the button said.
func (a Action) UndoParams(inc *incident.Incident, ch incident.Change) (map[string]string, error) {
	out := map[string]string{}
	if a.UndoFor == nil {
		return out, nil
	}
	v := tmpl.Vars{IncidentKey: inc.Key, ActionID: a.ID, Params: maps.Clone(a.Params), Change: tmpl.ChangeOf(ch)}
	for k, t := range a.UndoFor.params {
		s, err := t.Render(v)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("undo_for.params.%s is empty for this change (it has no such value)", k)
		}
		out[k] = s
	}
	return out, nil
}

// UndoActions are the actions offered on inc that undo ch, in
// configuration order.
func (c *Catalog) UndoActions(inc *incident.Incident, ch incident.Change) []Action {
	var out []Action
	for _, a := range c.For(inc) {
		if a.Undoes(ch) {
			out = append(out, a)
		}
	}
	return out
}
