package actions

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// effect handles "effect <run> yes|no", the answer to "did it mitigate?"
// asked after a rollback or kill switch worked. Yes is the mitigation,
// credited to that run because a person said so: the mitigated event names
// the run. No is recorded as a note, so the timeline shows that the action
// worked but customers were still hurting, and the question is closed.
// Anyone may answer, as anyone may type /incident mitigated.
func (s *Service) effect(ctx context.Context, tx *bot.Tx, cmd bot.Command) (bot.Reply, error) {
	r, rep, err := s.loadRun(ctx, tx, cmd.Text("run"))
	if rep != nil || err != nil {
		return deref(rep), err
	}
	inc, actor := tx.Incident, tx.Actor()
	if r.Status != storage.RunSucceeded {
		return bot.ErrorReply("%s (run %s) did not work (it is %s), so it cannot have mitigated anything.", r.Title, shortID(r.ID), statusWords(r)), nil
	}
	if by, answered, err := effectAnswered(ctx, tx, r.ID); err != nil || answered {
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.ErrorReply("%s already said whether %s mitigated the impact.", by.Display(), r.Title), nil
	}
	credit := map[string]any{"run_id": r.ID, "action_id": r.ActionID, "title": r.Title}
	yes := cmd.Text("answer") == "yes"
	if yes {
		ev, err := inc.Mitigate(tx.Now, actor, "after running "+r.Title)
		if err != nil {
			return bot.ErrorReply("Impact on %s is already mitigated. If it is back, use `/incident regressed`.", inc.Key), nil
		}
		ev.Data = withData(ev.Data, withData(credit, map[string]any{"credited": true}))
		tx.Record(ev)
		tx.Announce(bot.EventLine(inc, ev, tx.Now))
	} else {
		if inc.Impact != incident.ImpactOngoing {
			return bot.ErrorReply("Impact on %s is already mitigated. If it is back, use `/incident regressed`.", inc.Key), nil
		}
		tx.KeepCard() // a note: nothing the card shows changes
		ev, _ := inc.Note(tx.Now, actor, "After "+r.Title+": customer impact not mitigated yet")
		ev.Data = withData(ev.Data, withData(credit, map[string]any{"mitigated": false}))
		tx.Record(ev)
	}
	tx.UpdateInIncident(effectKey(inc, r.ID), mitigationAnswered(r, actor, yes, tx.Now))
	if yes {
		return bot.TextReply("Recorded: customer impact on %s is mitigated, after running %s.", inc.Key, r.Title), nil
	}
	return bot.TextReply("Recorded: %s worked but customers are still impacted. Keep going: `/incident actions`.", r.Title), nil
}

// effectAnswered reports whether the question after run was answered, and
// by whom: its answer is on the timeline, a credited mitigation or a note
// that it did not mitigate.
func effectAnswered(ctx context.Context, tx *bot.Tx, runID string) (incident.Actor, bool, error) {
	evs, err := tx.Q.ListEvents(ctx, tx.Incident.ID, 0, 0)
	if err != nil {
		return incident.Actor{}, false, fmt.Errorf("events of %s: %w", tx.Incident.Key, err)
	}
	for _, ev := range evs {
		if ev.Data["run_id"] == runID && (ev.Data["credited"] == true || ev.Data["mitigated"] == false) {
			return ev.Actor, true, nil
		}
	}
	return incident.Actor{}, false, nil
}
