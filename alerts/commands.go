package alerts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// The commands behind the buttons of a proposal and of the resolve
// question. Only buttons send them; each is checked on the server like a
// typed command.
const (
	// CmdDeclare is "alert-declare <group>": declare the proposed group.
	CmdDeclare = "alert-declare"
	// CmdAttach is "INC-7 alert-attach <group>": attach it to INC-7.
	CmdAttach = "alert-attach"
	// CmdIgnore is "alert-ignore <group>": drop the proposal.
	CmdIgnore = "alert-ignore"
	// CmdResolvedAnswer is "INC-7 alert-mitigated <question> yes|no": the
	// answer to "the alerts resolved — is customer impact mitigated?".
	CmdResolvedAnswer = "alert-mitigated"
)

const groupProblem = "expected the number of an alert group"

// Commands are the alert buttons' commands, for bot.Options.Commands.
func (r *Router) Commands() []bot.CommandSpec {
	group := bot.Arg{Name: "group", Kind: bot.ArgID, Need: bot.Required, Missing: groupProblem, Invalid: groupProblem}
	return []bot.CommandSpec{
		{Name: CmdDeclare, Shown: bot.ButtonsOnly, Needs: bot.NoIncident, Args: []bot.Arg{group}, Handle: r.declareClicked},
		{Name: CmdAttach, Shown: bot.ButtonsOnly, Needs: bot.OpenIncident, Args: []bot.Arg{group}, Handle: r.attachClicked},
		{Name: CmdIgnore, Shown: bot.ButtonsOnly, Needs: bot.NoIncident, Args: []bot.Arg{group}, Handle: r.ignoreClicked},
		{Name: CmdResolvedAnswer, Shown: bot.ButtonsOnly, Needs: bot.OpenIncident, Args: []bot.Arg{
			{Name: "question", Kind: bot.ArgID, Need: bot.Required, Missing: "which question?", Invalid: "which question?"},
			{Name: "answer", Kind: bot.ArgChoice, Need: bot.Required, Choices: []string{"yes", "no"},
				Missing: "expected yes or no", Invalid: "expected yes or no"},
		}, Handle: r.resolvedAnswered},
	}
}

// allowed checks alerts.allowed (everyone when it is empty).
func (r *Router) allowed(ctx context.Context, tx *bot.Tx, what string) (bot.Reply, bool, error) {
	rules := r.o.Config.Allowed
	if len(rules) == 0 || incident.Allowed(tx.Incident, tx.Actor(), rules, r.o.Groups) {
		return bot.Reply{}, true, nil
	}
	reply, err := tx.Deny(ctx, what, rules)
	return reply, false, err
}

// loadGroup loads (and locks) the group a button names.
func loadGroup(ctx context.Context, tx *bot.Tx, c bot.Command) (storage.AlertGroup, *Group, *bot.Reply, error) {
	id, err := strconv.ParseInt(c.Text("group"), 10, 64)
	if err != nil || id <= 0 {
		r := bot.ErrorReply("%q is not an alert group.", c.Text("group"))
		return storage.AlertGroup{}, nil, &r, nil
	}
	row, err := tx.Q.GetAlertGroup(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		r := bot.ErrorReply("There is no alert group %d.", id)
		return row, nil, &r, nil
	}
	if err != nil {
		return row, nil, nil, err
	}
	g, err := decodeGroup(row.Payload)
	if err != nil {
		return row, nil, nil, fmt.Errorf("alert group %d: %w", id, err)
	}
	return row, g, nil, nil
}

// decided refuses a click on a group that was already declared or
// attached: the message may be stale, or two people clicked at once.
func decided(row storage.AlertGroup) *bot.Reply {
	if row.IncidentID == 0 {
		return nil
	}
	r := bot.ErrorReply("This alert is already part of %s.", incident.KeyFor(row.IncidentID))
	return &r
}

func (r *Router) declareClicked(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
	if reply, ok, err := r.allowed(ctx, tx, "declare incidents from alerts"); !ok || err != nil {
		return reply, err
	}
	row, g, refused, err := loadGroup(ctx, tx, c)
	if refused != nil || err != nil {
		return deref(refused), err
	}
	if refused := decided(row); refused != nil {
		return *refused, nil
	}
	rt := pick(r.routes, g)
	if err := r.declare(ctx, tx, &row, g, rt); err != nil {
		if errors.Is(err, errDeclareRefused) {
			return bot.ErrorReply("Could not declare: %s", strings.TrimPrefix(err.Error(), errDeclareRefused.Error()+": ")), nil
		}
		return bot.Reply{}, err
	}
	row.UpdatedAt = tx.Now
	if err := tx.Q.RouteAlertGroup(ctx, row); err != nil {
		return bot.Reply{}, err
	}
	reply := bot.TextReply("🚨 Declared %s from the alert %s.", tx.Incident.Key, g.Name())
	reply.IncidentKey = tx.Incident.Key
	return reply, nil
}

func (r *Router) attachClicked(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
	if reply, ok, err := r.allowed(ctx, tx, "attach alerts to "+tx.Incident.Key); !ok || err != nil {
		return reply, err
	}
	row, g, refused, err := loadGroup(ctx, tx, c)
	if refused != nil || err != nil {
		return deref(refused), err
	}
	if refused := decided(row); refused != nil {
		return *refused, nil
	}
	if err := r.attach(ctx, tx, &row, g, pick(r.routes, g)); err != nil {
		return bot.Reply{}, err
	}
	row.UpdatedAt = tx.Now
	if err := tx.Q.RouteAlertGroup(ctx, row); err != nil {
		return bot.Reply{}, err
	}
	return bot.TextReply("📎 Attached the alert %s to %s.", g.Name(), tx.Incident.Key), nil
}

func (r *Router) ignoreClicked(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
	if reply, ok, err := r.allowed(ctx, tx, "ignore alerts"); !ok || err != nil {
		return reply, err
	}
	row, g, refused, err := loadGroup(ctx, tx, c)
	if refused != nil || err != nil {
		return deref(refused), err
	}
	if refused := decided(row); refused != nil {
		return *refused, nil
	}
	row.Decision, row.UpdatedAt = DecisionIgnored, tx.Now
	if err := tx.Q.RouteAlertGroup(ctx, row); err != nil {
		return bot.Reply{}, err
	}
	tx.UpdateInChannel(r.o.Triage, proposalKey(row.ID), r.closedProposal(row, g, DecisionIgnored, "", tx.Actor()))
	return bot.TextReply("🔕 Ignored the alert %s until it resolves.", g.Name()), nil
}

// resolvedAnswered records the answer to the resolve question: yes runs
// the mitigated command (its checks, its event, its announcement); no is
// noted on the timeline. Either way the question loses its buttons.
func (r *Router) resolvedAnswered(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
	inc, ref, answer := tx.Incident, c.Text("question"), c.Text("answer")
	if gid, _, ok := strings.Cut(ref, "-"); !ok || gid == "" {
		return bot.ErrorReply("%q is not an alert question.", ref), nil
	}
	var reply bot.Reply
	if answer == "yes" {
		var err error
		reply, err = tx.Dispatch(ctx, bot.CmdMitigated, map[string]string{"how": "the alerts resolved"})
		if err != nil || reply.Error {
			return reply, err
		}
	} else {
		ev, err := inc.Note(tx.Now, tx.Actor(), "The alerts resolved, but customer impact continues.")
		if err != nil {
			return bot.ErrorReply("%s", err.Error()), nil
		}
		ev.Data["alerts_resolved_answer"] = "no"
		tx.Record(ev)
		reply = bot.TextReply("Noted on %s's timeline: impact continues although the alerts resolved.", inc.Key)
	}
	tx.UpdateInIncident(questionKey(inc, ref), answeredQuestion(answer, tx.Actor()))
	reply.IncidentKey = inc.Key
	return reply, nil
}

func deref(r *bot.Reply) bot.Reply {
	if r == nil {
		return bot.Reply{}
	}
	return *r
}
