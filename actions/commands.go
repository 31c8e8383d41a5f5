package actions

import (
	"context"
	"fmt"
	"strings"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// run handles "run <action-id>": a click on an action's button, or its
// typed equivalent.
func (s *Service) run(ctx context.Context, tx *bot.Tx, cmd bot.Command) (bot.Reply, error) {
	tx.KeepCard()
	id := cmd.Text("action")
	act, ok := s.cat.Get(id)
	if !ok {
		return s.unknownAction(tx, id), nil
	}
	if !act.AppliesTo(tx.Incident) {
		return bot.ErrorReply("%s is for incidents of %s, and %s names %s. If one of those is involved, add it: %s",
			act.Title, strings.Join(act.Services, ", "), tx.Incident.Key, servicesOf(tx.Incident), bot.Usage(bot.CmdServices)), nil
	}
	return s.request(ctx, tx, act, nil)
}

func servicesOf(inc *incident.Incident) string {
	if len(inc.Services) == 0 {
		return "no services"
	}
	return strings.Join(inc.Services, ", ")
}

func (s *Service) unknownAction(tx *bot.Tx, id string) bot.Reply {
	var ids []string
	for _, a := range s.cat.For(tx.Incident) {
		ids = append(ids, "`"+a.ID+"`")
	}
	avail := "none are configured for it"
	if len(ids) > 0 {
		avail = "its actions are " + strings.Join(ids, ", ")
	}
	return bot.ErrorReply("There is no action %q for %s: %s. See `/incident actions`.", id, tx.Incident.Key, avail)
}

// request records a new run of act, after every check: the incident is
// open, the invoker is allowed, no run of act is active, and (unless this
// is a "Run again" of again) the invoker confirmed and knows it ran before.
func (s *Service) request(ctx context.Context, tx *bot.Tx, act Action, again *storage.ActionRun) (bot.Reply, error) {
	return s.requestUndo(ctx, tx, act, again, nil)
}

// requestUndo is request for a run that undoes a change (undo not nil):
// the same checks, plus the change's params and its link to the run. A
// "Run again" of a run that undid a change undoes it again.
func (s *Service) requestUndo(ctx context.Context, tx *bot.Tx, act Action, again *storage.ActionRun, undo *changeUndo) (bot.Reply, error) {
	inc, actor := tx.Incident, tx.Actor()
	if !inc.Open() {
		return s.refuseResolved(ctx, tx, act, "")
	}
	if r, refused, err := refuseInDrill(ctx, tx, act); err != nil || refused {
		return r, err
	}
	if !incident.Allowed(inc, actor, act.Allowed, s.groups) {
		return s.deny(ctx, tx, act, "", "run")
	}
	if r, busy, err := s.active(ctx, tx, act); err != nil || busy {
		return r, err
	}
	if again == nil {
		last, err := tx.Q.LatestActionRun(ctx, inc.ID, act.ID)
		switch {
		case err == nil && last.Status != storage.RunCancelled:
			return runAgainReply(inc, act, last), nil
		case err != nil && !isNotFound(err):
			return bot.Reply{}, fmt.Errorf("latest run of %s: %w", act.ID, err)
		}
		if act.Confirm && tx.Inv.Source != incident.SourceButton {
			if undo != nil {
				return undoConfirmReply(inc, act, undo.change), nil
			}
			return confirmReply(inc, act), nil
		}
	} else if undo == nil {
		var err error
		if undo, err = undoOfRun(ctx, tx, again.ID); err != nil {
			return bot.Reply{}, err
		}
	}

	r := storage.ActionRun{
		ID: s.newID(), IncidentID: inc.ID, ActionID: act.ID, Title: act.Title, Kind: act.Kind,
		Integration: act.Integration, Undo: act.Inverse, Status: storage.RunRequested, Source: tx.Inv.Source,
		RequestedBy: actor, RequestedAt: tx.Now, UpdatedAt: tx.Now,
	}
	if act.Approval {
		r.Status = storage.RunAwaitingApproval
	}
	if again != nil {
		r.AgainOf = again.ID
	}
	if err := tx.Q.CreateActionRun(ctx, &r); isConflict(err) {
		// Another click won the claim between the check and the insert.
		return s.busyNow(ctx, tx, act)
	} else if err != nil {
		return bot.Reply{}, fmt.Errorf("record run of %s: %w", act.ID, err)
	}
	params := RedactParams(act.Params)
	data := withData(runData(r), map[string]any{"params": params, "approval": act.Approval})
	if undo != nil {
		if err := linkUndo(ctx, tx, r, undo); err != nil {
			return bot.Reply{}, err
		}
		data = withData(data, undo.data())
	}
	if again != nil {
		data["again_of"] = again.ID
	}
	tx.Record(incident.NewEvent(tx.Now, incident.KindActionRequested, actor, act.Title, data))
	if err := auditRun(ctx, tx, actor, r, StepRequested, string(r.Status),
		map[string]any{"params": params, "source": string(tx.Inv.Source), "again_of": r.AgainOf}, 0); err != nil {
		return bot.Reply{}, err
	}
	tx.PostToIncident(progressKey(inc, r.ID), s.progressMessage(r))
	if act.Approval {
		return bot.TextReply("Requested %s. It runs once a second allowed person approves it in the channel.", act.Title), nil
	}
	s.wake()
	return bot.TextReply("Running %s now (run %s); its progress and outcome are posted in the channel.", act.Title, shortID(r.ID)), nil
}

// active answers for an action that has an active run.
func (s *Service) active(ctx context.Context, tx *bot.Tx, act Action) (bot.Reply, bool, error) {
	r, err := tx.Q.ActiveActionRun(ctx, tx.Incident.ID, act.ID)
	if isNotFound(err) {
		return bot.Reply{}, false, nil
	}
	if err != nil {
		return bot.Reply{}, false, fmt.Errorf("active run of %s: %w", act.ID, err)
	}
	if err := auditRun(ctx, tx, tx.Actor(), r, StepRequested, "refused: already "+string(r.Status),
		map[string]any{"source": string(tx.Inv.Source)}, 0); err != nil {
		return bot.Reply{}, false, err
	}
	return busyReply(act, r), true, nil
}

func (s *Service) busyNow(ctx context.Context, tx *bot.Tx, act Action) (bot.Reply, error) {
	r, busy, err := s.active(ctx, tx, act)
	if err == nil && !busy {
		r = bot.ErrorReply(act.Title + " was just requested by someone else. Try again in a moment if it is still needed.")
	}
	return r, err
}

// deny refuses act (or one of its runs) to the invoker: the refusal is
// explained, on the timeline and in the audit. Only user IDs, roles and
// groups grant permission; display names never do.
func (s *Service) deny(ctx context.Context, tx *bot.Tx, act Action, runID, verb string) (bot.Reply, error) {
	actor := tx.Actor()
	data := actionData(act)
	data["reason"] = "not permitted"
	data["verb"] = verb
	subject := act.ID
	if runID != "" {
		data["run_id"], subject = runID, runID
	}
	tx.Record(incident.NewEvent(tx.Now, incident.KindActionDenied, actor,
		fmt.Sprintf("%s may not %s %s", actor.Display(), verb, act.Title), data))
	if err := audit(ctx, tx, actor, subject, StepDenied, "denied: not permitted",
		map[string]any{"action_id": act.ID, "title": act.Title, "verb": verb, "rules": act.Allowed,
			"params": RedactParams(act.Params), "source": string(tx.Inv.Source)}, 0); err != nil {
		return bot.Reply{}, err
	}
	return bot.ErrorReply("Only %s may %s %s. This refusal is recorded on the timeline.",
		bot.DescribeRules(act.Allowed), verb, act.Title), nil
}

// refuseResolved refuses act on a resolved incident, in the audit too.
func (s *Service) refuseResolved(ctx context.Context, tx *bot.Tx, act Action, runID string) (bot.Reply, error) {
	subject := act.ID
	if runID != "" {
		subject = runID
	}
	if err := audit(ctx, tx, tx.Actor(), subject, StepDenied, "denied: incident resolved",
		map[string]any{"action_id": act.ID, "title": act.Title, "source": string(tx.Inv.Source)}, 0); err != nil {
		return bot.Reply{}, err
	}
	return bot.ErrorReply("%s is resolved: mitigation actions no longer run on it. If customers are hurting again, declare a new incident.", tx.Incident.Key), nil
}

// loadRun finds the run a button names, in the invocation's incident.
func (s *Service) loadRun(ctx context.Context, tx *bot.Tx, id string) (storage.ActionRun, *bot.Reply, error) {
	r, err := tx.Q.GetActionRun(ctx, id)
	if isNotFound(err) || (err == nil && r.IncidentID != tx.Incident.ID) {
		rep := bot.ErrorReply("There is no run %s in %s.", id, tx.Incident.Key)
		return r, &rep, nil
	}
	if err != nil {
		return r, nil, fmt.Errorf("load run %s: %w", id, err)
	}
	return r, nil, nil
}

// actionOf is the catalog's action of a run, or a stand-in built from the
// run when the configuration no longer has it (the lead and the declarer
// may then still verify or cancel it).
func (s *Service) actionOf(r storage.ActionRun) (Action, bool) {
	if a, ok := s.cat.Get(r.ActionID); ok {
		return a, true
	}
	return Action{ID: r.ActionID, Title: r.Title, Kind: r.Kind, Integration: r.Integration,
		Allowed: []string{incident.RoleLead, incident.RoleDeclarer}}, false
}

// confirm handles "confirm <run>": the "Run again" button under a finished
// run (or a run whose outcome is unknown).
func (s *Service) confirm(ctx context.Context, tx *bot.Tx, cmd bot.Command) (bot.Reply, error) {
	tx.KeepCard()
	prev, rep, err := s.loadRun(ctx, tx, cmd.Text("run"))
	if rep != nil || err != nil {
		return deref(rep), err
	}
	act, ok := s.cat.Get(prev.ActionID)
	if !ok {
		return bot.ErrorReply("%s is no longer configured, so it cannot run again.", prev.Title), nil
	}
	if prev.Status.Active() {
		if !tx.Incident.Open() {
			return s.refuseResolved(ctx, tx, act, prev.ID)
		}
		r, _, err := s.active(ctx, tx, act)
		return r, err
	}
	last, err := tx.Q.LatestActionRun(ctx, tx.Incident.ID, act.ID)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("latest run of %s: %w", act.ID, err)
	}
	if last.ID != prev.ID {
		if last.Status.Active() {
			return s.request(ctx, tx, act, &prev) // explains who is running it
		}
		return bot.ErrorReply("That button is out of date: %s ran again since (it %s). Click the action again if it is still needed.",
			act.Title, outcomeWords(last)), nil
	}
	return s.request(ctx, tx, act, &prev)
}

func deref(r *bot.Reply) bot.Reply {
	if r == nil {
		return bot.Reply{}
	}
	return *r
}

// approve handles "approve <run>": a second allowed person lets a run that
// needs approval go.
func (s *Service) approve(ctx context.Context, tx *bot.Tx, cmd bot.Command) (bot.Reply, error) {
	tx.KeepCard()
	r, rep, err := s.loadRun(ctx, tx, cmd.Text("run"))
	if rep != nil || err != nil {
		return deref(rep), err
	}
	act, _ := s.actionOf(r)
	actor := tx.Actor()
	if !tx.Incident.Open() {
		return s.refuseResolved(ctx, tx, act, r.ID)
	}
	if r.Status != storage.RunAwaitingApproval {
		return bot.ErrorReply("%s (run %s) does not wait for approval: it is %s.", r.Title, shortID(r.ID), statusWords(r)), nil
	}
	if actor.Same(r.RequestedBy) {
		if err := auditRun(ctx, tx, actor, r, StepDenied, "denied: requester cannot approve", nil, 0); err != nil {
			return bot.Reply{}, err
		}
		return bot.ErrorReply("You requested %s, so you cannot approve it: a second allowed person must.", r.Title), nil
	}
	if !incident.Allowed(tx.Incident, actor, act.Allowed, s.groups) {
		return s.deny(ctx, tx, act, r.ID, "approve")
	}
	r.Status, r.ApprovedBy, r.ApprovedAt, r.UpdatedAt = storage.RunRequested, actor, &tx.Now, tx.Now
	if err := tx.Q.UpdateActionRun(ctx, &r, storage.RunAwaitingApproval); isConflict(err) {
		return bot.ErrorReply("%s was approved or cancelled by someone else a moment ago.", r.Title), nil
	} else if err != nil {
		return bot.Reply{}, fmt.Errorf("approve run %s: %w", r.ID, err)
	}
	tx.Record(incident.NewEvent(tx.Now, incident.KindActionApproved, actor, r.Title,
		withData(runData(r), map[string]any{"requested_by": r.RequestedBy.Ref()})))
	if err := auditRun(ctx, tx, actor, r, StepApproved, "approved", map[string]any{"requested_by": r.RequestedBy.Ref()}, 0); err != nil {
		return bot.Reply{}, err
	}
	tx.UpdateInIncident(progressKey(tx.Incident, r.ID), s.progressMessage(r))
	s.wake()
	return bot.TextReply("Approved %s; it runs now.", r.Title), nil
}

func statusWords(r storage.ActionRun) string {
	switch r.Status {
	case storage.RunRequested:
		return "about to run"
	case storage.RunAwaitingApproval:
		return "waiting for approval"
	case storage.RunRunning:
		return "running"
	case storage.RunCancelled:
		return "cancelled"
	}
	return "over (" + string(r.Status) + ")"
}

// cancel handles "cancel <run>": a run that has not started is cancelled;
// a "Run again?" question is declined.
func (s *Service) cancel(ctx context.Context, tx *bot.Tx, cmd bot.Command) (bot.Reply, error) {
	tx.KeepCard()
	r, rep, err := s.loadRun(ctx, tx, cmd.Text("run"))
	if rep != nil || err != nil {
		return deref(rep), err
	}
	switch r.Status {
	case storage.RunRunning:
		return bot.ErrorReply("%s is already running (%s); it cannot be stopped from here. Its outcome will be posted.",
			r.Title, startedLine(r)), nil
	case storage.RunRequested, storage.RunAwaitingApproval:
	default:
		return bot.TextReply("OK: %s is not run again.", r.Title), nil
	}
	act, _ := s.actionOf(r)
	actor := tx.Actor()
	if !actor.Same(r.RequestedBy) && !incident.Allowed(tx.Incident, actor, act.Allowed, s.groups) {
		return s.deny(ctx, tx, act, r.ID, "cancel")
	}
	done, err := s.stopWaiting(ctx, tx, &r, actor, "")
	if err != nil {
		return bot.Reply{}, err
	}
	if !done {
		return bot.ErrorReply("Too late: %s started a moment ago. Its outcome will be posted.", r.Title), nil
	}
	return bot.TextReply("Cancelled %s; it did not run.", r.Title), nil
}

// verify handles "verify <run> worked|failed": a person says what a run
// whose outcome was unknown did.
func (s *Service) verify(ctx context.Context, tx *bot.Tx, cmd bot.Command) (bot.Reply, error) {
	tx.KeepCard()
	r, rep, err := s.loadRun(ctx, tx, cmd.Text("run"))
	if rep != nil || err != nil {
		return deref(rep), err
	}
	if r.Status != storage.RunUnknown {
		if r.VerifiedAt != nil {
			return bot.ErrorReply("%s already said what %s did: it %s.", r.VerifiedBy.Display(), r.Title, statusVerb(r.Status)), nil
		}
		return bot.ErrorReply("%s (run %s) has no unknown outcome to verify: it is %s.", r.Title, shortID(r.ID), statusWords(r)), nil
	}
	act, _ := s.actionOf(r)
	actor := tx.Actor()
	if !incident.Allowed(tx.Incident, actor, act.Allowed, s.groups) && !incident.Allowed(tx.Incident, actor,
		[]string{incident.RoleLead}, s.groups) {
		return s.deny(ctx, tx, act, r.ID, "verify")
	}
	kind, status, answer := incident.KindActionSucceeded, storage.RunSucceeded, "worked"
	if cmd.Text("answer") == "failed" {
		kind, status, answer = incident.KindActionFailed, storage.RunFailed, "failed"
	}
	r.Status, r.VerifiedBy, r.VerifiedAt, r.UpdatedAt = status, actor, &tx.Now, tx.Now
	if err := tx.Q.UpdateActionRun(ctx, &r, storage.RunUnknown); isConflict(err) {
		return bot.ErrorReply("Someone answered for %s a moment ago.", r.Title), nil
	} else if err != nil {
		return bot.Reply{}, fmt.Errorf("verify run %s: %w", r.ID, err)
	}
	tx.Record(incident.NewEvent(tx.Now, kind, actor, fmt.Sprintf("%s %s, says %s", r.Title, answer, actor.Display()),
		withData(runData(r), map[string]any{"verified": true})))
	if err := auditRun(ctx, tx, actor, r, StepVerified, string(status), nil, 0); err != nil {
		return bot.Reply{}, err
	}
	tx.UpdateInIncident(progressKey(tx.Incident, r.ID), s.progressMessage(r))
	tx.UpdateInIncident(verifyKey(tx.Incident, r.ID), verifyAnswered(r, answer))
	if status == storage.RunSucceeded && (Action{Kind: r.Kind}).Mitigates() && tx.Incident.Open() &&
		tx.Incident.Impact == incident.ImpactOngoing {
		tx.PostToIncident(effectKey(tx.Incident, r.ID), mitigationQuestion(r))
	}
	s.onOutcome(r.Integration, r.Kind, string(status)+"_verified", 0)
	return bot.TextReply("Recorded: %s %s.", r.Title, answer), nil
}

func statusVerb(s storage.ActionRunStatus) string {
	if s == storage.RunSucceeded {
		return "worked"
	}
	return "failed"
}

// OnEvents implements bot.Hook: when an incident is resolved, its runs
// that have not started are cancelled (a running one finishes and is
// reported).
func (s *Service) OnEvents(ctx context.Context, tx *bot.Tx, evs []incident.Event) error {
	if tx.Incident == nil {
		return nil
	}
	for _, ev := range evs {
		if ev.Kind != incident.KindResolved {
			continue
		}
		runs, err := tx.Q.ListActionRuns(ctx, tx.Incident.ID)
		if err != nil {
			return fmt.Errorf("runs of %s: %w", tx.Incident.Key, err)
		}
		for _, r := range runs {
			if r.Status != storage.RunRequested && r.Status != storage.RunAwaitingApproval {
				continue
			}
			if _, err := s.stopWaiting(ctx, tx, &r, incident.System, tx.Incident.Key+" was resolved before it ran"); err != nil {
				return err
			}
		}
	}
	return nil
}
