package actions

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
)

// DefaultTimeout bounds the external call of an action that sets none.
const DefaultTimeout = time.Minute

// Action is one configured mitigation, ready to offer and run.
type Action struct {
	ID    string
	Title string
	// Kind is one of config.ActionKinds.
	Kind string
	// Integration names the configured integration instance it calls; ""
	// is a manual step that calls nothing and is only recorded.
	Integration string
	// IntegrationType is the instance's type ("launchdarkly", "exec").
	IntegrationType string
	Params          map[string]string
	// Services limits it to incidents naming one of them; empty: every
	// incident.
	Services []string
	// Allowed are the rules of incident.Allowed: who may run it.
	Allowed []string
	// Confirm asks before running (a dialog on the button, a prompt when
	// typed).
	Confirm bool
	// Approval needs a second allowed person to approve each run.
	Approval bool
	// Timeout bounds the external call.
	Timeout time.Duration
	// Undo names the action that reverses this one.
	Undo string
	// Drill are the params a drill runs it with, over Params; empty: it
	// cannot run in a drill.
	Drill map[string]string
	// UndoFor, when set, makes it the undo button of matching changes.
	UndoFor *UndoRule
	// Inverse is set on an action that another action on the same
	// integration names as its undo: its runs ask the integration for the
	// inverse operation (Request.Undo), turning a flag back on.
	Inverse bool
}

// Danger reports whether the action's button is styled as dangerous
// (rollbacks and kill switches).
func (a Action) Danger() bool {
	return a.Kind == config.KindRollback || a.Kind == config.KindKillSwitch
}

// Mitigates reports whether a success is followed at once by the
// mitigation question: a rollback or kill switch that worked is the moment
// to ask whether customers are still hurting.
func (a Action) Mitigates() bool { return a.Danger() }

// AppliesTo reports whether the action is offered on inc: it names no
// services, or inc names one of them (case-insensitively).
func (a Action) AppliesTo(inc *incident.Incident) bool {
	if len(a.Services) == 0 {
		return true
	}
	for _, s := range a.Services {
		for _, t := range inc.Services {
			if strings.EqualFold(strings.TrimSpace(s), t) {
				return true
			}
		}
	}
	return false
}

// ConfirmText is the question asked before a run.
func (a Action) ConfirmText() string {
	var b strings.Builder
	b.WriteString(a.Title + "?")
	switch {
	case a.Integration == "":
		b.WriteString(" This records the step on the timeline; Tourniquet calls nothing.")
	case a.IntegrationType == "sandbox":
		b.WriteString(" Sandbox: nothing real is touched.")
	default:
		fmt.Fprintf(&b, " This calls %s now.", a.Integration)
	}
	if a.Approval {
		b.WriteString(" A second allowed person must approve it before it runs.")
	}
	return b.String()
}

// Catalog is the set of configured actions. It is immutable and safe for
// concurrent use.
type Catalog struct {
	list []Action
	byID map[string]int
}

// NewCatalog builds the catalog of actions, resolving each integration's
// type from integrations. It refuses what check-config refuses: a
// duplicate or empty id, an unknown integration, an undo naming no action.
func NewCatalog(acts []config.Action, integrations map[string]config.Integration) (*Catalog, error) {
	c := &Catalog{byID: map[string]int{}}
	var errs []error
	for i, ca := range acts {
		a := Action{
			ID: ca.ID, Title: ca.Title, Kind: ca.Kind, Integration: ca.Integration,
			Params: maps.Clone(ca.Params), Services: slices.Clone(ca.Services), Allowed: slices.Clone(ca.Allowed),
			Confirm: ca.NeedsConfirm(), Approval: ca.Approval, Timeout: ca.Timeout, Undo: ca.Undo, Drill: maps.Clone(ca.Drill),
		}
		if a.Params == nil {
			a.Params = map[string]string{}
		}
		var err error
		if a.UndoFor, err = newUndoRule(a.ID, ca.UndoFor); err != nil {
			errs = append(errs, err)
		}
		if a.Title == "" {
			a.Title = a.ID
		}
		if a.Timeout <= 0 {
			a.Timeout = DefaultTimeout
		}
		if _, dup := c.byID[a.ID]; dup || a.ID == "" {
			errs = append(errs, fmt.Errorf("actions[%d]: empty or duplicate id %q", i, a.ID))
			continue
		}
		if a.Integration != "" {
			in, ok := integrations[a.Integration]
			if !ok {
				errs = append(errs, fmt.Errorf("action %s: integration %q is not defined in integrations", a.ID, a.Integration))
			}
			a.IntegrationType = in.Type
		}
		c.byID[a.ID] = len(c.list)
		c.list = append(c.list, a)
	}
	for _, a := range c.list {
		if a.Undo == "" {
			continue
		}
		j, ok := c.byID[a.Undo]
		if !ok || a.Undo == a.ID {
			errs = append(errs, fmt.Errorf("action %s: undo %q names no other action", a.ID, a.Undo))
			continue
		}
		if u := &c.list[j]; u.Integration != "" && u.Integration == a.Integration {
			u.Inverse = true
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("actions: %w", err)
	}
	return c, nil
}

// Get returns the action with id.
func (c *Catalog) Get(id string) (Action, bool) {
	if c == nil {
		return Action{}, false
	}
	i, ok := c.byID[id]
	if !ok {
		return Action{}, false
	}
	return c.list[i], true
}

// All returns every action in configuration order.
func (c *Catalog) All() []Action {
	if c == nil {
		return nil
	}
	return slices.Clone(c.list)
}

// Len is the number of actions.
func (c *Catalog) Len() int {
	if c == nil {
		return 0
	}
	return len(c.list)
}

// For returns the actions offered on inc, in configuration order.
func (c *Catalog) For(inc *incident.Incident) []Action {
	var out []Action
	if c == nil || inc == nil {
		return out
	}
	for _, a := range c.list {
		if a.AppliesTo(inc) {
			out = append(out, a)
		}
	}
	return out
}

// Buttons are the action buttons offered on inc: danger style for
// rollbacks and kill switches, the action's confirmation question when it
// asks one. It is what bot.Options.ActionsFor wants.
func (c *Catalog) Buttons(inc *incident.Incident) []bot.ActionButton {
	var out []bot.ActionButton
	for _, a := range c.For(inc) {
		b := bot.ActionButton{ID: a.ID, Title: a.Title, Danger: a.Danger()}
		if a.Confirm {
			b.Confirm = a.ConfirmText()
		}
		out = append(out, b)
	}
	return out
}
