package checkin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// CmdAnswer answers a check-in: "answer <check-in> yes|partial|no", what
// the check-in's buttons send.
const CmdAnswer = "answer"

// answerProblem is the problem of a malformed answer (a stale or
// hand-typed button): both words are needed.
const answerProblem = "expected an ID and one of yes, partial, no"

// Commands are the check-ins' commands, for bot.Options.Commands: the
// answer that the check-in buttons send. The cause, when the diagnosis
// question's form gave one, comes as its "cause" argument.
func (s *Scheduler) Commands() []bot.CommandSpec {
	return []bot.CommandSpec{{
		Name:  CmdAnswer,
		Shown: bot.ButtonsOnly,
		Needs: bot.OpenIncident,
		Args: []bot.Arg{
			{Name: "checkin", Kind: bot.ArgID, Need: bot.Required, Shape: "check-in", Missing: answerProblem, Invalid: answerProblem},
			{Name: "answer", Kind: bot.ArgChoice, Need: bot.Required, Choices: []string{AnswerYes, AnswerPartial, AnswerNo},
				Missing: answerProblem, Invalid: answerProblem},
			{Name: bot.FieldCause, Kind: bot.ArgText, Input: bot.OptionsOnly, MaxLen: 1000},
		},
		Handle: s.answer,
	}}
}

// answer handles "answer <check-in> yes|partial|no", which the check-in
// buttons send. Every answer is a checkin_answered event by whoever gave
// it, and the check-in's message is updated in place to show it.
//
// To the impact question, yes does exactly what /incident mitigated does
// (it runs that command's handler); partial and no are recorded and the
// check-ins continue, no at half the interval once with tighten_on_no. To
// the diagnosis question, yes with the cause (the form of its "Yes,
// identified" button, bot.CauseForm) runs /incident diagnosed with it;
// yes without one explains how to record the cause (diagnosed is what
// stops that question).
func (s *Scheduler) answer(ctx context.Context, tx *bot.Tx, cmd bot.Command) (bot.Reply, error) {
	inc, now, who := tx.Incident, tx.Now, tx.Actor()
	usage := "\nUsage: " + tx.Usage(CmdAnswer)
	answer := cmd.Text("answer")
	id, err := strconv.ParseInt(cmd.Text("checkin"), 10, 64)
	if err != nil || id <= 0 {
		return refuse(inc, "%q is not a check-in number.%s", cmd.Text("checkin"), usage), nil
	}
	f, err := tx.Q.GetCheckinFire(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && f.IncidentID != inc.ID) {
		return refuse(inc, "%s has no check-in %d.%s", inc.Key, id, usage), nil
	}
	if err != nil {
		return bot.Reply{}, fmt.Errorf("load check-in %d: %w", id, err)
	}
	c, err := checkinByID(ctx, tx.Q, inc.ID, f.CheckinID)
	if err != nil {
		return bot.Reply{}, err
	}
	if r, ok := refuseStale(inc, c, f); !ok {
		return r, nil
	}
	err = tx.Q.FinishCheckinFire(ctx, f.ID, storage.FireOutcome{Status: storage.FireAnswered, Answer: answer, By: who, At: now})
	if errors.Is(err, storage.ErrConflict) {
		return refuse(inc, "Someone answered this check-in a moment ago."), nil
	}
	if err != nil {
		return bot.Reply{}, fmt.Errorf("answer check-in %d: %w", f.ID, err)
	}

	c.Unanswered, c.Escalation, c.UpdatedAt = 0, 0, now
	if c.OpenFireID == f.ID {
		c.OpenFireID = 0
	}
	tightened := false
	if c.Kind == storage.CheckinImpact && answer == AnswerNo && s.tighten && c.Active {
		sch := s.sch.forImpact(inc.Severity)
		if soon := now.Add(sch.interval(now) / 2); soon.Before(c.NextDueAt) {
			c.NextDueAt, tightened = soon, true
		}
	}
	if err := tx.Q.UpdateCheckin(ctx, &c); err != nil {
		return bot.Reply{}, fmt.Errorf("answer check-in %d: %w", f.ID, err)
	}
	tx.UpdateInIncident(messageKey(inc, f.ID), answeredMessage(inc, c.Kind, f, answer, who, now))
	tx.Record(incident.NewEvent(now, incident.KindCheckinAnswered, who, answer,
		map[string]any{"answer": answer, "checkin": f.ID, "kind": string(c.Kind), "seq": f.Seq}))
	if s.o.OnAnswered != nil {
		s.o.OnAnswered(answer)
	}

	next := hhmm(c.NextDueAt)
	switch {
	case c.Kind == storage.CheckinImpact && answer == AnswerYes:
		return tx.Dispatch(ctx, bot.CmdMitigated, nil)
	case c.Kind == storage.CheckinImpact && answer == AnswerPartial:
		tx.Announce(bot.Textf("🟡 %s says customer impact is *partially* mitigated. Keep going: next check-in at %s.", who, next))
		return reply(inc, "Recorded: partially mitigated. Next check-in at %s. When impact stops, press *Yes, mitigated* or type `/incident mitigated`.", next), nil
	case c.Kind == storage.CheckinImpact:
		sooner := ""
		if tightened {
			sooner = " (sooner, since customers are still hurting)"
		}
		tx.Announce(bot.Textf("🔴 %s says customers are *still impacted*. Next check-in at %s%s. Safe moves: `/incident actions`.", who, next, sooner))
		return reply(inc, "Recorded: still impacting. Next check-in at %s%s.", next, sooner), nil
	case answer == AnswerYes && cmd.Text(bot.FieldCause) != "":
		// The cause came with the answer (the check-in's form): record it
		// as /incident diagnosed does, which ends this question.
		return tx.Dispatch(ctx, bot.CmdDiagnosed, map[string]string{"cause": cmd.Text(bot.FieldCause)})
	case answer == AnswerYes:
		return reply(inc, "Record the cause so the timeline has it: `%s`, for example `/incident diagnosed expired TLS certificate on the API gateway`. Until then I will ask again at %s.", bot.Usage(bot.CmdDiagnosed), next), nil
	default:
		return reply(inc, "Recorded. I will ask again at %s.", next), nil
	}
}

// refuseStale refuses an answer to a check-in that no longer asks anything:
// answered or closed already, or about a state that has moved on.
func refuseStale(inc *incident.Incident, c storage.Checkin, f storage.CheckinFire) (bot.Reply, bool) {
	switch {
	case f.Status == storage.FireAnswered:
		return refuse(inc, "Check-in #%d was answered already: %s by %s at %s.",
			f.Seq, f.Answer, f.AnsweredBy.Display(), hhmm(*f.AnsweredAt)), false
	case c.Kind == storage.CheckinImpact && inc.Impact != incident.ImpactOngoing:
		return refuse(inc, "Impact on %s is already mitigated. If it is back, use `/incident regressed`.", inc.Key), false
	case c.Kind == storage.CheckinDiagnosis && inc.Cause == incident.CauseIdentified:
		return refuse(inc, "The cause of %s is already identified: %q.", inc.Key, inc.CauseText), false
	case f.Status == storage.FireClosed || !c.Active:
		return refuse(inc, "Check-in #%d is closed: nothing is being asked there any more.", f.Seq), false
	}
	return bot.Reply{}, true
}

func checkinByID(ctx context.Context, q storage.Querier, incidentID, id int64) (storage.Checkin, error) {
	cs, err := q.ListCheckins(ctx, incidentID)
	if err != nil {
		return storage.Checkin{}, fmt.Errorf("load check-ins: %w", err)
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return storage.Checkin{}, fmt.Errorf("check-in %d of %s: %w", id, incident.KeyFor(incidentID), storage.ErrNotFound)
}

// refuse is an error reply about inc; format and args as in bot.Textf.
func refuse(inc *incident.Incident, format string, args ...any) bot.Reply {
	r := bot.ErrorReply(format, args...)
	r.IncidentKey = inc.Key
	return r
}

// reply is a reply about inc; format and args as in bot.Textf.
func reply(inc *incident.Incident, format string, args ...any) bot.Reply {
	r := bot.TextReply(format, args...)
	r.IncidentKey = inc.Key
	return r
}
