package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/storage"
)

// In a drill (storage.ReadinessStore's drills), an action runs against its
// drill target: its params with its drill params put over them. An action
// with no drill params is shown, but refused: a drill never touches what a
// real incident would.

// refuseInDrill answers a request of act on a drill when act has no
// drill target; refused is false otherwise.
func refuseInDrill(ctx context.Context, tx *bot.Tx, act Action) (bot.Reply, bool, error) {
	if len(act.Drill) > 0 {
		return bot.Reply{}, false, nil
	}
	_, err := tx.Q.GetDrill(ctx, tx.Incident.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return bot.Reply{}, false, nil
	case err != nil:
		return bot.Reply{}, false, fmt.Errorf("is %s a drill: %w", tx.Incident.Key, err)
	}
	return bot.ErrorReply("%s is a drill, and %s has no drill target (no `drill:` params in its configuration), so it cannot run in a drill: a drill never touches what a real incident would. Give it drill params, such as a staging environment, to rehearse it.",
		tx.Incident.Key, act.Title), true, nil
}

// runTarget is what a run calls its integration with.
type runTarget struct {
	params map[string]string
	// rehearsal is set for a drill's run: it is left out of the metrics,
	// as drills are left out of the reports.
	rehearsal bool
}

// targetFor is what run calls its integration with: the action's params,
// or in a drill its drill params over them. In a drill with no drill
// params it refuses (the request was refused already; the catalog may
// have changed since), and when it cannot tell whether the incident is a
// drill it refuses too: a drill's run must never reach a real target.
func (r *Runner) targetFor(ctx context.Context, run storage.ActionRun, act Action) (runTarget, error) {
	_, err := r.store.GetDrill(ctx, run.IncidentID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return runTarget{params: maps.Clone(act.Params)}, nil
	case err != nil:
		return runTarget{}, &Error{System: "drill", Msg: "could not tell whether this incident is a drill, so nothing was called: " + err.Error()}
	case len(act.Drill) == 0:
		return runTarget{rehearsal: true}, &Error{System: "drill", Msg: act.Title + " has no drill target, so nothing was called"}
	}
	return runTarget{params: DrillParams(act.Params, act.Drill), rehearsal: true}, nil
}
