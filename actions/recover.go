package actions

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// A run found running after its lease ended (the runner crashed after the
// call, or lost the database) is never re-run: it becomes unknown, and
// the channel is asked whether it took effect.

// Recover turns every run left running past its lease into an unknown
// one and asks the channel whether it took effect. It says how many it
// found. Run calls it at start and every SweepEvery.
func (r *Runner) Recover(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := r.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			runs, err := q.ClaimExpiredActionRuns(ctx, r.clock.Now(), 20)
			if err != nil {
				return err
			}
			n = len(runs)
			for _, run := range runs {
				err := r.engine.RunAsSystem(ctx, q, run.IncidentID, incident.SourceAction, func(ctx context.Context, tx *bot.Tx) error {
					return r.lost(ctx, tx, run)
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("recover action runs: %w", err)
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}

// lost marks a run whose lease ended unknown, inside tx.
func (r *Runner) lost(ctx context.Context, tx *bot.Tx, run storage.ActionRun) error {
	tx.KeepCard()
	where := "the system it calls"
	if run.Integration != "" {
		where = run.Integration
	}
	run.Status, run.FinishedAt, run.UpdatedAt = storage.RunUnknown, &tx.Now, tx.Now
	run.Error = fmt.Sprintf("Tourniquet lost track of this run after it started at %s (a restart, or the database was out of reach): the call to %s may or may not have been made.",
		hhmm(*run.StartedAt), where)
	if err := tx.Q.UpdateActionRun(ctx, &run, storage.RunRunning); err != nil {
		return fmt.Errorf("mark run %s unknown: %w", run.ID, err)
	}
	r.onOutcome(run.Integration, run.Kind, string(storage.RunUnknown), 0)
	r.log.WarnContext(ctx, "action run presumed lost", "run", run.ID, "action", run.ActionID, "incident", tx.Incident.Key)
	return r.recordOutcome(ctx, tx, run, false)
}
