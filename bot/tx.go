package bot

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Tx is the unit of work of one command: what it reads and writes commits
// together. Handlers and hooks record events and queue messages through it.
type Tx struct {
	// Q is the transaction; use it, never the Store, inside a handler.
	Q storage.Querier
	// Now is the command's time, fixed for the whole unit of work.
	Now time.Time
	// Inv is the invocation being handled.
	Inv Invocation
	// Incident is the incident the command applies to (loaded and locked),
	// or nil for commands that need none.
	Incident *incident.Incident

	engine *Engine
	// command is the name of the command being handled, for the audit.
	command  string
	out      outbox
	pending  []incident.Event
	dirty    bool
	created  bool
	cardSent bool
	// loadedTopic is the channel topic as of the incident's loading: a
	// unit of work that leaves it as it was (a note, an update) sends no
	// topic change, one outbox message and one Web API call fewer.
	// Empty when unknown: the topic is then sent.
	loadedTopic string
	// loadedInc is a copy of the incident as loaded and loadedPanels its
	// panels' blocks then: the card is built from them, the unit of
	// work's Now and the actions they offer, so a unit of work that changes
	// neither (a note, a status update) leaves the card as it was and
	// sends no card update — half the sender's work per note. Nil when
	// unknown (a new incident): the card is then sent.
	loadedInc    *incident.Incident
	loadedPanels []Block
	// savedInc is a copy of the incident as last saved (or loaded): an
	// incident that has not changed since is not written again.
	savedInc *incident.Incident
}

// loaded makes inc the unit of work's incident, as loaded from the store.
// With card, it also notes what the incident's card shows then (its
// panels cost queries), so that a unit of work that changes none of it
// sends no card update.
func (tx *Tx) loaded(ctx context.Context, inc *incident.Incident, card bool) error {
	tx.Incident = inc
	tx.loadedTopic = Topic(inc)
	tx.savedInc = inc.Clone()
	if !card {
		return nil
	}
	panels, err := tx.Panels(ctx)
	if err != nil {
		return err
	}
	tx.loadedInc, tx.loadedPanels = tx.savedInc, panels
	return nil
}

// cardUnchanged reports whether the card built now, from inc and panels,
// would be the card built from the incident as loaded: the card is a
// function of the incident, the panels' blocks, the actions the incident
// offers and Now, and Now is the same for the whole unit of work. (The
// clocks it shows are thus those of the last change, not of every note.)
func (tx *Tx) cardUnchanged(inc *incident.Incident, panels []Block) bool {
	return tx.loadedInc != nil && sameIncident(tx.loadedInc, inc) && reflect.DeepEqual(tx.loadedPanels, panels)
}

// sameIncident reports whether b is a copy of a (taken with Clone), field
// for field: every field, so that one added later counts without anyone
// remembering to list it here.
func sameIncident(a, b *incident.Incident) bool {
	// Clone again so that both sides went through it (it makes nil
	// windows empty).
	return reflect.DeepEqual(a, b.Clone())
}

// save writes the incident unless it is as it was last saved or loaded.
func (tx *Tx) save(ctx context.Context) error {
	inc := tx.Incident
	if tx.savedInc != nil && sameIncident(tx.savedInc, inc) {
		return nil
	}
	if err := tx.Q.UpdateIncident(ctx, inc); err != nil {
		return fmt.Errorf("save %s: %w", inc.Key, err)
	}
	tx.savedInc = inc.Clone()
	return nil
}

// Actions are the mitigation actions offered on tx.Incident
// (Options.ActionsFor), as the card shows them.
func (tx *Tx) Actions() []ActionButton { return tx.engine.Actions(tx.Incident) }

// IncidentURL is the report link of tx.Incident, as of the unit of work
// ("" without a public URL).
func (tx *Tx) IncidentURL() string {
	if tx.Incident == nil {
		return ""
	}
	return tx.engine.IncidentURL(tx.Incident.Key, tx.Now)
}

// Actor is who invoked the command.
func (tx *Tx) Actor() incident.Actor { return tx.Inv.Actor }

// Record queues an event on tx.Incident's timeline, from the invoker unless
// the event names another actor, tagged with the invocation's source
// unless it has one, and marks the incident changed.
func (tx *Tx) Record(ev incident.Event) {
	if ev.Actor.IsZero() {
		ev.Actor = tx.Inv.Actor
	}
	if ev.Source == "" {
		ev.Source = tx.Inv.Source
	}
	if ev.At.IsZero() {
		ev.At = tx.Now
	}
	tx.pending = append(tx.pending, ev)
	tx.dirty = true
}

// Announce posts a line to the incident's channel(s).
func (tx *Tx) Announce(text Rich) {
	m := Message{Fallback: text.String()}
	m.Text(text)
	tx.out.post(incidentTarget(tx.Incident), "", m, false)
}

// PostToIncident posts m to the incident's channel(s); with a key it can be
// updated later with UpdateInIncident.
func (tx *Tx) PostToIncident(key string, m Message) {
	tx.out.post(incidentTarget(tx.Incident), key, m, false)
}

// UpdateInIncident replaces the incident message posted under key.
func (tx *Tx) UpdateInIncident(key string, m Message) {
	tx.out.update(incidentTarget(tx.Incident), key, m)
}

// PostTo posts m to one channel.
func (tx *Tx) PostTo(ch incident.ChannelRef, m Message) {
	tx.out.post(channelTarget(ch), "", m, false)
}

// Ephemeral shows m, later, to the invoker only, in the invocation's channel.
func (tx *Tx) Ephemeral(m Message) {
	tx.out.ephemeral(tx.Inv.Channel, tx.Inv.Actor, scopeButtons(m, keyOf(tx.Incident)))
}

// Deny refuses the command: the refusal is recorded on the timeline and in
// the audit log, and the returned reply explains it to the invoker.
func (tx *Tx) Deny(ctx context.Context, what string, rules []string) (Reply, error) {
	who := DescribeRules(rules)
	tx.Record(incident.NewEvent(tx.Now, incident.KindPermissionDenied, tx.Inv.Actor,
		fmt.Sprintf("%s may not %s", tx.Inv.Actor.Display(), what), map[string]any{"command": what}))
	var incID int64
	if tx.Incident != nil {
		incID = tx.Incident.ID
	}
	command := tx.command
	if command == "" { // a unit of work the system started
		command = strings.Fields(what)[0]
	}
	if _, err := tx.Q.AppendAudit(ctx, storage.AuditEntry{At: tx.Now, IncidentID: incID, Actor: tx.Inv.Actor,
		Action: "command." + command, Subject: keyOf(tx.Incident), Step: "denied", Outcome: "denied",
		Detail: map[string]any{"rules": rules, "source": string(tx.Inv.Source)}}); err != nil {
		return Reply{}, fmt.Errorf("audit denial: %w", err)
	}
	return ErrorReply("Only %s may %s. This refusal is recorded on the timeline.", who, what), nil
}

func keyOf(inc *incident.Incident) string {
	if inc == nil {
		return ""
	}
	return inc.Key
}

// DescribeRules says who a permission rule list allows, in words: "the
// lead, whoever declared it or group:sre"; an empty list is nobody.
func DescribeRules(rules []string) string {
	if len(rules) == 0 {
		return "nobody (no one is allowed in the configuration)"
	}
	var parts []string
	for _, r := range rules {
		switch {
		case r == incident.RoleLead:
			parts = append(parts, "the lead")
		case r == incident.RoleDeclarer:
			parts = append(parts, "whoever declared it")
		case strings.HasPrefix(r, incident.RolePrefix):
			parts = append(parts, "whoever holds "+strings.TrimPrefix(r, incident.RolePrefix))
		default:
			parts = append(parts, r)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// Card is the incident's card as of the unit of work, with the panels'
// blocks under its clocks.
func (tx *Tx) Card(ctx context.Context) (Message, error) {
	panels, err := tx.Panels(ctx)
	if err != nil {
		return Message{}, err
	}
	return IncidentCardWith(tx.Incident, tx.Now, tx.engine.Actions(tx.Incident), panels), nil
}

// commit writes the incident, its events (running hooks on each batch),
// the card update and the outbox.
func (tx *Tx) commit(ctx context.Context) error {
	inc := tx.Incident
	if inc != nil && tx.dirty && !tx.created {
		if err := tx.save(ctx); err != nil {
			return err
		}
	}
	for guard := 0; inc != nil && len(tx.pending) > 0; guard++ {
		if guard > 10 {
			return errors.New("hooks keep recording events")
		}
		batch := tx.pending
		tx.pending = nil
		tx.engine.redactEvents(batch)
		saved, err := tx.Q.AppendEvents(ctx, inc.ID, batch...)
		if err != nil {
			return fmt.Errorf("append events to %s: %w", inc.Key, err)
		}
		for _, h := range tx.engine.hooks {
			if err := h.OnEvents(ctx, tx, saved); err != nil {
				return fmt.Errorf("hook: %w", err)
			}
		}
		if tx.dirty && !tx.created && len(tx.pending) > 0 {
			if err := tx.save(ctx); err != nil {
				return err
			}
		}
	}
	if inc != nil && tx.dirty && !tx.cardSent {
		panels, err := tx.Panels(ctx)
		if err != nil {
			return err
		}
		if !tx.cardUnchanged(inc, panels) {
			card := IncidentCardWith(inc, tx.Now, tx.engine.Actions(inc), panels)
			tx.out.update(incidentTarget(inc), CardKey(inc), card)
		}
		if t := Topic(inc); tx.loadedTopic == "" || t != tx.loadedTopic {
			tx.out.topic(inc, t)
		}
	}
	if len(tx.out.msgs) == 0 {
		return nil
	}
	tx.engine.redactOutbox(tx.out.msgs)
	if err := tx.Q.EnqueueOutbox(ctx, tx.out.msgs...); err != nil {
		return fmt.Errorf("enqueue messages: %w", err)
	}
	tx.out.remember()
	return nil
}
