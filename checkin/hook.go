package checkin

import (
	"context"
	"errors"
	"fmt"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// OnEvents implements bot.Hook: inside the transaction of whatever changed
// the incident, it starts, stops, restarts and reschedules its check-ins.
//
//   - declared: the impact check-in starts; the card carries the first
//     question, so the first check-in comes one cadence later.
//   - mitigated: impact check-ins stop; while the cause is unknown the
//     slower diagnosis check-in starts.
//   - regressed: impact check-ins start again; the diagnosis one pauses.
//   - severity_changed: the impact check-in moves to the new cadence.
//   - diagnosed: the diagnosis check-in stops.
//   - resolved: every check-in stops.
func (s *Scheduler) OnEvents(ctx context.Context, tx *bot.Tx, evs []incident.Event) error {
	inc := tx.Incident
	if inc == nil {
		return nil
	}
	for _, ev := range evs {
		var err error
		switch ev.Kind {
		case incident.KindDeclared:
			err = s.start(ctx, tx, storage.CheckinImpact, ev)
		case incident.KindMitigated:
			err = s.stop(ctx, tx, storage.CheckinImpact, bot.Textf("✅ Impact marked mitigated by %s at %s.", ev.Actor, hhmm(ev.At)))
			if err == nil && inc.Open() && inc.Cause == incident.CauseUnknown {
				err = s.start(ctx, tx, storage.CheckinDiagnosis, ev)
			}
		case incident.KindRegressed:
			err = s.stop(ctx, tx, storage.CheckinDiagnosis, bot.Textf("🔴 Impact is back (%s, %s): mitigate first.", ev.Actor, hhmm(ev.At)))
			if err == nil && inc.Open() {
				err = s.start(ctx, tx, storage.CheckinImpact, ev)
			}
		case incident.KindSeverityChanged:
			err = s.reschedule(ctx, tx, ev)
		case incident.KindDiagnosed:
			err = s.stop(ctx, tx, storage.CheckinDiagnosis, bot.Textf("🔎 Cause identified by %s at %s.", ev.Actor, hhmm(ev.At)))
		case incident.KindResolved:
			note := bot.Textf("🏁 %s resolved by %s at %s.", inc.Key, ev.Actor, hhmm(ev.At))
			err = errors.Join(s.stop(ctx, tx, storage.CheckinImpact, note), s.stop(ctx, tx, storage.CheckinDiagnosis, note))
		}
		if err == nil && respondsToCheckins(ev) {
			err = s.responded(ctx, tx)
		}
		if err != nil {
			return fmt.Errorf("check-ins of %s on %s: %w", inc.Key, ev.Kind, err)
		}
	}
	return nil
}

// respondsToCheckins reports whether ev shows people working on the
// incident: an answer of any kind, an update or a note, running or
// approving an action, a decision. Escalation is for silence, so any of
// these since the last check-in means nobody needs chasing.
func respondsToCheckins(ev incident.Event) bool {
	if ev.Actor.IsZero() || ev.Actor.Platform == incident.PlatformSystem {
		return false
	}
	switch ev.Kind {
	case incident.KindCheckinAnswered, incident.KindStatusUpdate, incident.KindNote,
		incident.KindActionRequested, incident.KindActionApproved, incident.KindFailForward,
		incident.KindSeverityChanged, incident.KindLeadAssigned, incident.KindServicesChanged,
		incident.KindImpactStartMoved:
		return true
	}
	return false
}

// responded starts the count of unanswered check-ins over: the next
// check-in asks without chasing anyone. One write that usually changes
// nothing, with no read before it: every note and update passes here.
func (s *Scheduler) responded(ctx context.Context, tx *bot.Tx) error {
	return tx.Q.ResetCheckinCounts(ctx, tx.Incident.ID, tx.Now)
}

// start (re)starts an incident's check-in of kind: the next one comes one
// cadence after ev, with a clean slate of unanswered ones.
func (s *Scheduler) start(ctx context.Context, tx *bot.Tx, kind storage.CheckinKind, ev incident.Event) error {
	inc := tx.Incident
	sch := s.scheduleOf(kind, inc)
	from := ev.At
	if from.IsZero() {
		from = tx.Now
	}
	c, err := tx.Q.GetCheckin(ctx, key(inc, kind))
	if errors.Is(err, storage.ErrNotFound) {
		c = storage.Checkin{Key: key(inc, kind), Kind: kind, IncidentID: inc.ID, Spec: sch.spec, Active: true,
			NextDueAt: sch.Next(from), UpdatedAt: tx.Now}
		return tx.Q.CreateCheckin(ctx, &c)
	}
	if err != nil {
		return err
	}
	if err := s.closeOpen(ctx, tx, &c, nil); err != nil {
		return err
	}
	c.Active, c.Spec, c.NextDueAt = true, sch.spec, sch.Next(from)
	c.Unanswered, c.Escalation, c.UpdatedAt = 0, 0, tx.Now
	return tx.Q.UpdateCheckin(ctx, &c)
}

// stop stops an incident's check-in of kind, if it has one, and takes the
// buttons off its last message with note saying why.
func (s *Scheduler) stop(ctx context.Context, tx *bot.Tx, kind storage.CheckinKind, note bot.Rich) error {
	c, err := tx.Q.GetCheckin(ctx, key(tx.Incident, kind))
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !c.Active && c.OpenFireID == 0 {
		return nil
	}
	if err := s.closeOpen(ctx, tx, &c, note); err != nil {
		return err
	}
	c.Active, c.Unanswered, c.Escalation, c.UpdatedAt = false, 0, 0, tx.Now
	return tx.Q.UpdateCheckin(ctx, &c)
}

// closeOpen closes the check-in's open message, if any, and updates it in
// place to show note without buttons. The caller saves c.
func (s *Scheduler) closeOpen(ctx context.Context, tx *bot.Tx, c *storage.Checkin, note bot.Rich) error {
	if c.OpenFireID == 0 {
		return nil
	}
	f, err := tx.Q.GetCheckinFire(ctx, c.OpenFireID)
	if err != nil {
		return err
	}
	c.OpenFireID = 0
	if f.Status != storage.FireOpen {
		return nil
	}
	if err := tx.Q.FinishCheckinFire(ctx, f.ID, storage.FireOutcome{Status: storage.FireClosed, At: tx.Now}); err != nil {
		return err
	}
	if note.IsEmpty() {
		note = bot.Plain("No longer asked.")
	}
	tx.UpdateInIncident(messageKey(tx.Incident, f.ID), closedMessage(tx.Incident, c.Kind, f, note))
	return nil
}

// reschedule moves an active impact check-in to the new severity's
// cadence: the next one comes at the new cadence from now, or sooner if it
// was due sooner anyway.
func (s *Scheduler) reschedule(ctx context.Context, tx *bot.Tx, ev incident.Event) error {
	c, err := tx.Q.GetCheckin(ctx, key(tx.Incident, storage.CheckinImpact))
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil || !c.Active {
		return err
	}
	sch := s.sch.forImpact(tx.Incident.Severity)
	at := ev.At
	if at.IsZero() {
		at = tx.Now
	}
	if n := sch.Next(at); n.Before(c.NextDueAt) {
		c.NextDueAt = n
	}
	c.Spec, c.UpdatedAt = sch.spec, tx.Now
	return tx.Q.UpdateCheckin(ctx, &c)
}
