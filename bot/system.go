package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// RunAsSystem runs fn as a unit of work of the bot itself, inside the
// caller's transaction q: the actor is incident.System and events are
// tagged with source unless they say otherwise. With a non-zero incidentID
// tx.Incident is that incident, loaded and locked (ErrNotFound if there is
// none); with 0 there is none. When fn returns nil its events are appended
// (running every hook), the card is refreshed if the incident changed, and
// its messages are enqueued, all in q, exactly as for a command. The caller
// commits or rolls back q.
func (e *Engine) RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *Tx) error) error {
	now := e.clock.Now()
	tx := &Tx{Q: inUnit(q), Now: now, Inv: Invocation{Actor: incident.System, Source: source}, engine: e, out: outbox{now: now}}
	if incidentID != 0 {
		inc, err := q.GetIncidentForUpdate(ctx, incidentID)
		if err != nil {
			return fmt.Errorf("load incident %d: %w", incidentID, err)
		}
		// Not noting the card as loaded: the bot's own units of work
		// (check-ins above all) would pay for the panels' queries, and
		// they either keep the card (KeepCard) or change what it shows.
		if err := tx.loaded(ctx, inc, false); err != nil {
			return err
		}
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	return tx.commit(ctx)
}

// Dispatch runs the command name with args inside this unit of work, as
// if the invoker had also given it: the same validators, checks, events,
// announcements and card update. It is how a button that means
// "mitigated" does exactly what /incident mitigated does.
func (tx *Tx) Dispatch(ctx context.Context, name string, args map[string]string) (Reply, error) {
	if _, ok := tx.engine.lookup(name); !ok {
		return ErrorReply("`%s` is not available: the feature behind it is not configured.", name), nil
	}
	spec, c, err := tx.engine.readStructured(Invocation{Command: name, Args: args})
	var ue *UsageError
	switch {
	case errors.As(err, &ue):
		return ErrorReply("%s", ue.Rich()), nil
	case err != nil:
		return Reply{}, err
	}
	if spec.Needs.needsIncident() {
		if tx.Incident == nil {
			return Reply{}, fmt.Errorf("dispatch %s: no incident in this unit of work", name)
		}
		if !tx.Incident.Open() && spec.Needs != AnyIncident {
			return resolvedReply(tx.Incident), nil
		}
	}
	return spec.Handle(ctx, tx, c)
}

// Usage is the usage line of the command name (or alias) of the engine
// running the unit of work, "" for one it does not run.
func (tx *Tx) Usage(name string) string {
	if s, ok := tx.engine.lookup(name); ok {
		return s.UsageLine()
	}
	return ""
}

// KeepCard says that this unit of work changed nothing the incident's card
// or channel topic shows (a check-in was sent, say), so they are not
// re-sent when it commits.
func (tx *Tx) KeepCard() { tx.cardSent = true }

// ActionButtons are the buttons of mitigation actions, as the card shows
// them (danger style, confirmation dialog).
func ActionButtons(acts []ActionButton) []Button { return actionButtons(acts) }
