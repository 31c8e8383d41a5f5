package checkin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/words"
	"github.com/tourniquet/tourniquet/storage"
)

// fire sends one claimed check-in, inside the sweeper's transaction q, as
// a unit of work of the bot itself on the check-in's incident. It returns
// nil when nothing was sent (the check-in was stale and is stopped).
func (s *Sweeper) fire(ctx context.Context, q storage.Querier, c storage.Checkin) (*Sent, error) {
	var sent *Sent
	err := s.engine.RunAsSystem(ctx, q, c.IncidentID, incident.SourceCheckin, func(ctx context.Context, tx *bot.Tx) error {
		var err error
		sent, err = s.fireIn(ctx, tx, c)
		return err
	})
	return sent, err
}

func (s *Sweeper) fireIn(ctx context.Context, tx *bot.Tx, c storage.Checkin) (*Sent, error) {
	inc, now := tx.Incident, tx.Now
	tx.KeepCard()
	if kind, ok := s.wanted(inc); !ok || kind != c.Kind {
		// The hooks stop check-ins as incidents change; this one slipped
		// through (a change made before this version ran). Stop it.
		return nil, s.stop(ctx, tx, c.Kind, nil)
	}
	sch := s.scheduleOf(c.Kind, inc)
	late := s.late(c.NextDueAt, now, sch)
	level := s.level(c.Unanswered)

	f := storage.CheckinFire{CheckinID: c.ID, IncidentID: inc.ID, Seq: c.Fired + 1, DueAt: c.NextDueAt,
		FiredAt: now, Late: late, Escalation: level}
	next := sch.after(c.NextDueAt, now)
	// The fire and the check-in moved on to its next due time are written
	// together (one round trip on Postgres: a burst of 10,000 is bounded by
	// round trips); the fire's ID becomes the open one.
	fired := c
	fired.Fired++
	fired.Unanswered++
	fired.Escalation = max(c.Escalation, level)
	fired.NextDueAt, fired.Spec, fired.UpdatedAt = next, sch.spec, now
	err := tx.Q.FireCheckin(ctx, &fired, &f)
	if errors.Is(err, storage.ErrConflict) {
		// Sent for this due time already; only move the schedule on.
		c.NextDueAt, c.UpdatedAt = next, now
		return nil, tx.Q.UpdateCheckin(ctx, &c)
	}
	if err != nil {
		return nil, err
	}

	// The previous check-in, if nobody answered it, loses its buttons.
	if c.OpenFireID != 0 {
		prev, superseded, err := tx.Q.SupersedeCheckinFire(ctx, c.OpenFireID, now)
		if err != nil {
			return nil, err
		}
		if superseded {
			tx.UpdateInIncident(messageKey(inc, prev.ID), supersededMessage(inc, c.Kind, prev, f, now))
		}
	}

	escalated := 0
	if level > c.Escalation {
		escalated = level
		tx.Record(incident.NewEvent(now, incident.KindCheckinEscalated, incident.System,
			escalationText(inc, level, c.Unanswered),
			map[string]any{"level": LevelName(level), "unanswered": c.Unanswered, "checkin": f.ID, "kind": string(c.Kind)}))
		if level == LevelPager && s.o.Pager != nil {
			if err := s.o.Pager.Page(ctx, tx, c.Unanswered); err != nil {
				return nil, fmt.Errorf("page: %w", err)
			}
		}
	}
	data := map[string]any{"checkin": f.ID, "kind": string(c.Kind), "seq": f.Seq,
		"due_at": f.DueAt.UTC().Format(time.RFC3339), "late": late}
	if level > 0 {
		data["escalation"] = LevelName(level)
	}
	tx.Record(incident.NewEvent(now, incident.KindCheckinSent, incident.System, question(c.Kind), data))
	msg, err := s.checkinMessage(ctx, tx, c.Kind, f, c.Unanswered, next)
	if err != nil {
		return nil, err
	}
	tx.PostToIncident(messageKey(inc, f.ID), msg)
	return &Sent{Key: c.Key, Due: f.DueAt, Late: late, Escalated: escalated}, nil
}

// late reports whether a check-in due at due and sent at now was missed
// while Tourniquet was not running, as its message then says: due before
// this sweeper started, and well overdue. One that fell due while it ran
// and went out behind a burst on a busy machine was not missed, however
// long it waited.
func (s *Sweeper) late(due, now time.Time, sch schedule) bool {
	return due.Before(s.upSince) && now.Sub(due) > min(s.o.LateAfter, sch.interval(due)/2)
}

// level is the escalation level of a check-in sent after unanswered
// unanswered ones: the first step after EscalateAfter, the second after
// twice as many, and so on (by default lead, channel, then the pager if
// any); the last step holds.
func (s *Scheduler) level(unanswered int) int {
	if s.escalateAfter <= 0 || len(s.steps) == 0 {
		return LevelNone
	}
	n := unanswered / s.escalateAfter
	if n == 0 {
		return LevelNone
	}
	return s.steps[min(n, len(s.steps))-1]
}

// mention is whom a check-in at escalation level asks by name: the
// highest of the steps reached that asks people in the chat (the channel,
// else the lead), so that a page step after the lead does not @-mention a
// channel the configuration left out.
func (s *Scheduler) mention(level int) int {
	best := LevelNone
	for _, st := range s.steps {
		if st <= level && (st == LevelLead || st == LevelChannel) {
			best = max(best, st)
		}
	}
	return best
}

// escalationSteps are the levels of checkins.escalation's steps, or by
// default lead, channel and, with a pager, the pager. A page step needs a
// pager (paging.escalate_to).
func escalationSteps(names []string, pager Pager) ([]int, error) {
	if err := config.CheckEscalation(names); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		names = []string{config.EscalateLead, config.EscalateChannel}
		if pager != nil {
			names = append(names, config.EscalatePage)
		}
	}
	levels := make([]int, 0, len(names))
	for _, n := range names {
		switch n {
		case config.EscalateLead:
			levels = append(levels, LevelLead)
		case config.EscalateChannel:
			levels = append(levels, LevelChannel)
		case config.EscalatePage:
			if pager == nil {
				return nil, errors.New("the page step needs a paging target to page: set paging.escalate_to")
			}
			levels = append(levels, LevelPager)
		}
	}
	return levels, nil
}

func escalationText(inc *incident.Incident, level, unanswered int) string {
	switch level {
	case LevelLead:
		return fmt.Sprintf("%s unanswered: asking the lead, %s", words.Count(unanswered, "check-in", "check-ins"), inc.Lead.Display())
	case LevelChannel:
		return fmt.Sprintf("%s unanswered: asking the whole channel", words.Count(unanswered, "check-in", "check-ins"))
	}
	return fmt.Sprintf("%s unanswered: paging", words.Count(unanswered, "check-in", "check-ins"))
}
