package actions

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// AuditAction is the Action of every audit row this package writes.
const AuditAction = "action.run"

// Audit steps. Each attempt leaves one row per step it reached.
const (
	StepRequested = "requested"
	StepDenied    = "denied"
	StepApproved  = "approved"
	StepStarted   = "started"
	StepFinished  = "finished"
	StepVerified  = "verified"
	StepCancelled = "cancelled"
)

// Redacted replaces a secret-looking param value in the audit and on the
// timeline.
const Redacted = "<secret>"

// RedactParams returns params with the values of secret-looking keys
// (token, password, *_secret, …: config.IsSecretKey) replaced.
func RedactParams(params map[string]string) map[string]any {
	out := make(map[string]any, len(params))
	for k, v := range params {
		if config.IsSecretKey(k) {
			v = Redacted
		}
		out[k] = v
	}
	return out
}

// runData is what every action event of a run carries, in the names the
// timeline reads.
func runData(r storage.ActionRun) map[string]any {
	return map[string]any{"run_id": r.ID, "action_id": r.ActionID, "title": r.Title, "kind": r.Kind, "integration": r.Integration}
}

func actionData(a Action) map[string]any {
	return map[string]any{"action_id": a.ID, "title": a.Title, "kind": a.Kind, "integration": a.Integration}
}

func withData(d map[string]any, extra map[string]any) map[string]any {
	out := maps.Clone(d)
	maps.Copy(out, extra)
	return out
}

// audit appends one audit row of a run or an attempt.
func audit(ctx context.Context, tx *bot.Tx, actor incident.Actor, subject, step, outcome string, detail map[string]any, took time.Duration) error {
	d := tx.RedactData(maps.Clone(detail))
	d["incident"] = tx.Incident.Key
	if _, err := tx.Q.AppendAudit(ctx, storage.AuditEntry{At: tx.Now, IncidentID: tx.Incident.ID, Actor: actor,
		Action: AuditAction, Subject: subject, Step: step, Outcome: outcome, Detail: d, Duration: took}); err != nil {
		return fmt.Errorf("audit %s %s: %w", subject, step, err)
	}
	return nil
}

// auditRun appends an audit row about run r.
func auditRun(ctx context.Context, tx *bot.Tx, actor incident.Actor, r storage.ActionRun, step, outcome string, extra map[string]any, took time.Duration) error {
	d := withData(map[string]any{"action_id": r.ActionID, "title": r.Title, "kind": r.Kind, "integration": r.Integration}, extra)
	return audit(ctx, tx, actor, r.ID, step, outcome, d, took)
}

// progressKey is the key of a run's progress message, updated in place.
func progressKey(inc *incident.Incident, runID string) string { return inc.Key + "/run/" + runID }

// effectKey is the key of the question "did it mitigate?" asked after a
// run that worked.
func effectKey(inc *incident.Incident, runID string) string {
	return progressKey(inc, runID) + "/effect"
}

// verifyKey is the key of the question asked about a run whose outcome is
// unknown.
func verifyKey(inc *incident.Incident, runID string) string {
	return progressKey(inc, runID) + "/verify"
}

// stopWaiting cancels a run that has not started (requested or awaiting
// approval) inside tx: the run, its event, its audit row, its message. It
// returns false, with nothing written, when the run had started or ended
// meanwhile.
func (c *core) stopWaiting(ctx context.Context, tx *bot.Tx, r *storage.ActionRun, by incident.Actor, reason string) (bool, error) {
	prev := *r
	r.Status, r.FinishedAt, r.Error, r.UpdatedAt = storage.RunCancelled, &tx.Now, reason, tx.Now
	if by.Platform != incident.PlatformSystem {
		r.CancelledBy = by
	}
	if err := tx.Q.UpdateActionRun(ctx, r, storage.RunRequested, storage.RunAwaitingApproval); err != nil {
		*r = prev
		if isConflict(err) {
			return false, nil
		}
		return false, err
	}
	text := r.Title + " cancelled"
	if reason != "" {
		text += ": " + reason
	}
	tx.Record(incident.NewEvent(tx.Now, incident.KindActionCancelled, by, text, withData(runData(*r), map[string]any{"reason": reason})))
	if err := auditRun(ctx, tx, by, *r, StepCancelled, "cancelled", map[string]any{"reason": reason, "was": string(prev.Status)}, 0); err != nil {
		return false, err
	}
	tx.UpdateInIncident(progressKey(tx.Incident, r.ID), c.progressMessage(*r))
	c.onOutcome(r.Integration, r.Kind, string(storage.RunCancelled), 0)
	return true, nil
}
