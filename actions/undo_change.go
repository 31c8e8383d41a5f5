package actions

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/retry"
	"github.com/tourniquet/tourniquet/storage"
)

// CmdUndoChange is "undo-change <change-id> <action-id>": the undo button
// under a change listed on the card or a check-in. It runs the action
// through the same lifecycle as "run" (permission, confirmation, one
// active run, audit), with the params its undo_for renders from the
// change, and links the run to the change for the report.
const CmdUndoChange = "undo-change"

// undoChangeSpec is the command of undo buttons.
func (s *Service) undoChangeSpec() bot.CommandSpec {
	const problem = "expected a change ID and an action ID"
	return bot.CommandSpec{
		Name: CmdUndoChange, Shown: bot.ButtonsOnly, Needs: bot.AnyIncident,
		Args: []bot.Arg{
			{Name: "change", Kind: bot.ArgID, Need: bot.Required, MaxLen: 20, Missing: problem, Invalid: problem},
			{Name: "action", Kind: bot.ArgID, Need: bot.Required, MaxLen: 128, Missing: problem, Invalid: problem},
		},
		Handle: s.undoChange,
	}
}

// changeUndo is a run's change and the params rendered from it.
type changeUndo struct {
	change incident.Change
	params map[string]string
}

// data is what the action_requested event says of the change.
func (u *changeUndo) data() map[string]any {
	return map[string]any{"change_id": u.change.ID, "change": u.change.What(), "change_service": u.change.Service,
		"change_kind": string(u.change.Kind), "change_params": RedactParams(u.params)}
}

func (s *Service) undoChange(ctx context.Context, tx *bot.Tx, cmd bot.Command) (bot.Reply, error) {
	tx.KeepCard()
	id, err := strconv.ParseInt(cmd.Text("change"), 10, 64)
	if err != nil || id <= 0 {
		return bot.ErrorReply("%q is not a change ID.", cmd.Text("change")), nil
	}
	ch, err := tx.Q.GetChange(ctx, id)
	if isNotFound(err) {
		return bot.ErrorReply("Change %d is no longer kept. Run the action you need from `/incident actions`.", id), nil
	} else if err != nil {
		return bot.Reply{}, fmt.Errorf("load change %d: %w", id, err)
	}
	act, ok := s.cat.Get(cmd.Text("action"))
	if !ok {
		return s.unknownAction(tx, cmd.Text("action")), nil
	}
	if !act.Undoes(ch) || !act.AppliesTo(tx.Incident) {
		return bot.ErrorReply("%s does not undo %s on %s. See `/incident actions`.", act.Title, ch.What(), tx.Incident.Key), nil
	}
	params, err := act.UndoParams(tx.Incident, ch)
	if err != nil {
		return bot.ErrorReply("%s cannot undo %s: %s. Run it from `/incident actions` with its own parameters, or check its undo_for.",
			act.Title, ch.What(), err.Error()), nil
	}
	return s.requestUndo(ctx, tx, act, nil, &changeUndo{change: ch, params: params})
}

// linkUndo records, in the request's transaction, that run r undoes u.
func linkUndo(ctx context.Context, tx *bot.Tx, r storage.ActionRun, u *changeUndo) error {
	if err := tx.Q.LinkChangeRun(ctx, storage.ChangeRun{RunID: r.ID, IncidentID: r.IncidentID, Change: u.change,
		Params: u.params, CreatedAt: tx.Now}); err != nil {
		return fmt.Errorf("link run %s to change %d: %w", r.ID, u.change.ID, err)
	}
	return nil
}

// undoOfRun is the change a run undid, nil when it undid none.
func undoOfRun(ctx context.Context, tx *bot.Tx, runID string) (*changeUndo, error) {
	l, err := tx.Q.ChangeRunOf(ctx, runID)
	if isNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("change of run %s: %w", runID, err)
	}
	return &changeUndo{change: l.Change, params: l.Params}, nil
}

// undoConfirmReply asks whoever typed undo-change to confirm.
func undoConfirmReply(inc *incident.Incident, a Action, ch incident.Change) bot.Reply {
	text := bot.Textf("%s? It undoes %s. %s", a.Title, ch.What(), strings.TrimSpace(strings.TrimPrefix(a.ConfirmText(), a.Title+"?")))
	var m bot.Message
	m.Text(text)
	m.Buttons(bot.Button{Label: "Run it", Command: undoCommand(ch, a), Style: dangerStyle(a.Kind)})
	m.Contextf("Ignore this message to do nothing.")
	m.Fallback = text.String()
	return bot.Reply{Message: m, IncidentKey: inc.Key}
}

func undoCommand(ch incident.Change, a Action) string {
	return fmt.Sprintf("%s %d %s", CmdUndoChange, ch.ID, a.ID)
}

// maxButtonLabel keeps an undo button's label within what every platform
// shows (Slack cuts at 75 characters, Discord at 80).
const maxButtonLabel = 60

// UndoButtons are the buttons that undo ch on inc: one per action whose
// undo_for matches, labelled by what it does ("Roll back to v41", "Turn
// off"), each asking the action's confirmation. The change's own words
// (a version) are data in a plain label.
func (s *Service) UndoButtons(inc *incident.Incident, ch incident.Change) []bot.Button {
	acts := s.cat.UndoActions(inc, ch)
	var out []bot.Button
	for _, a := range acts {
		label := a.Title
		if len(acts) == 1 {
			label = undoLabel(a, ch)
		}
		if r := []rune(label); len(r) > maxButtonLabel {
			label = string(r[:maxButtonLabel-1]) + "…"
		}
		b := bot.Button{Label: label, Command: undoCommand(ch, a), Style: dangerStyle(a.Kind)}
		if a.Confirm {
			b.Confirm = &bot.Confirm{Title: "Undo this change?", Text: a.ConfirmText() + " It undoes " + ch.What() + ".",
				Confirm: "Run it", Deny: "Cancel"}
		}
		out = append(out, b)
	}
	return out
}

func undoLabel(a Action, ch incident.Change) string {
	switch {
	case ch.Kind == incident.ChangeDeploy && ch.PreviousVersion != "":
		return "Roll back to " + ch.PreviousVersion
	case ch.Kind == incident.ChangeFlag:
		return "Turn off"
	}
	return a.Title
}

// paramsFailed stands in for an integration when a run's change params
// cannot be read: it fails without calling anything, so the run is not
// made with the wrong params.
type paramsFailed struct{ err error }

func (p paramsFailed) Run(context.Context, Request) (Result, error) {
	return Result{}, &Error{System: "Tourniquet", Msg: "the parameters of the change it undoes could not be read (nothing was called): " + p.err.Error()}
}

// withUndoParams lays the params of the change run undoes (if any) over
// req's, or returns an integration that fails without calling out when
// they cannot be read.
func (r *Runner) withUndoParams(ctx context.Context, runID string, req *Request, integ Integration) Integration {
	var l storage.ChangeRun
	err := retryRead(ctx, func(ctx context.Context) error {
		var err error
		l, err = r.store.ChangeRunOf(ctx, runID)
		return err
	})
	switch {
	case isNotFound(err):
		return integ
	case err != nil:
		return paramsFailed{err}
	}
	if req.Params == nil {
		req.Params = map[string]string{}
	}
	maps.Copy(req.Params, l.Params)
	return integ
}

// retryRead tries a read a few times: the store may be restarting. Not
// found is an answer, not a failure.
func retryRead(ctx context.Context, read func(context.Context) error) error {
	return retry.Do(ctx, retry.Policy{First: 100 * time.Millisecond, Longest: time.Second, Tries: 3}, func(func()) error {
		err := read(ctx)
		if isNotFound(err) {
			return retry.Permanent(err)
		}
		return err
	}, nil)
}
