package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// AuditRolePrefix starts the audit action of a change of a configured
// role: "role.comms" (the lead's is AuditRoleLead, "role.lead").
const AuditRolePrefix = "role."

// clearWords take a role from whoever holds it: "role comms none".
var clearWords = []string{"none", "nobody", "clear"}

// roleCommand is "role [<name> [<@user> | none]]"; Discord's options are
// the role, the user and a clear switch.
func roleCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdRole,
		Summary: "give an incident role (as configured: comms, scribe…) to someone, see who holds it, or clear it",
		Brief:   "Give an incident role (comms, scribe…), see who holds it, or clear it",
		Usage:   "[<name> [<@user> | none]]",
		Section: SectionSettings,
		Needs:   OpenIncident,
		Parse:   parseRole,
		Args: []Arg{
			{Name: "role", Kind: ArgWord, MaxLen: 32, Help: "The role, as configured (empty: list the roles)"},
			{Name: "user", Kind: ArgUser, Help: "Who gets it"},
			{Name: "clear", Kind: ArgFlag, Help: "Take the role from whoever holds it"},
		},
		Handle: engineHandler((*Engine).role),
	}
}

// parseRole is role's Parse: "role [<name> [<@user> | none]]". The name
// is checked against the configured roles by the handler, which can list
// them.
func parseRole(rest string) (Values, error) {
	spec, vals := roleCommand(), Values{}
	name, rest := nextWord(rest)
	if name == "" {
		return vals, nil
	}
	vals["role"] = strings.ToLower(name)
	who, extra := nextWord(rest)
	if extra != "" {
		return vals, problemf("`role` takes a role and one person (or none)")
	}
	switch {
	case who == "":
	case slices.Contains(clearWords, strings.ToLower(who)):
		vals["clear"] = true
	default:
		user, _ := spec.arg("user")
		if readInto(vals, spec, user, who) != nil {
			return vals, problemf("%q is not a user: mention them like @name, or say none to clear the role", who)
		}
	}
	return vals, nil
}

// role handles "role": with no name it lists the incident's roles and who
// holds them; with a name alone, who holds that one; with a person it
// gives the role, with none it takes it away.
//
// A configured role is what role:<name> rules in permissions and in the
// actions' allow-lists grant power to, so changing who holds one is
// guarded like naming the lead: by permissions.roles (default: the lead
// and the declarer), checked here by immutable IDs wherever the command is
// typed. There is deliberately no claim rule: a role nobody holds is the
// normal state of a role (not an incident left without anyone in charge),
// and letting anyone name themselves would let anyone reach what the role
// is allowed. The one exception is stepping down: whoever holds a role
// may give it up. Every change is audited with who, from and to.
//
// "role lead …" is the lead command under another name.
func (e *Engine) role(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	inc := tx.Incident
	role, holder, drop := strings.ToLower(c.Text("role")), c.User("user"), c.Flag("clear")
	switch {
	case role == "" && (holder.ID != "" || drop):
		return keyed(inc, ErrorReply("Name the role first.\nUsage: `%s`", Usage(CmdRole))), nil
	case holder.ID != "" && drop:
		return keyed(inc, ErrorReply("`role` takes a role and one person (or none), not both.\nUsage: `%s`", Usage(CmdRole))), nil
	case role == "":
		return e.listRoles(inc), nil
	case role == incident.RoleLead && drop:
		return keyed(inc, ErrorReply("An incident always has a lead. Name another one: `%s`", Usage(CmdLead))), nil
	case role == incident.RoleLead && holder.ID != "":
		return e.assignLead(ctx, tx, holder)
	case role == incident.RoleLead:
		return keyed(inc, TextReply("%s leads %s.", User(inc.Lead), inc.Key)), nil
	}
	_, held := inc.Roles[role]
	if !slices.Contains(e.opts.Roles, role) && !(held && holder.ID == "") {
		return keyed(inc, e.unknownRole(role)), nil
	}
	if holder.ID == "" && !drop {
		if !held {
			return keyed(inc, TextReply("Nobody holds %s on %s. `/incident role %s <@user>` gives it.", role, inc.Key, role)), nil
		}
		return keyed(inc, TextReply("%s holds %s on %s.", User(inc.RoleHolder(role)), role, inc.Key)), nil
	}

	var who incident.Actor
	if !drop {
		who = holder.actor(tx.Inv.Channel.Platform, tx.Actor())
	}
	rules := rulesOrDefault(e.opts.Permissions.Roles)
	stepDown := drop && inc.HoldsRole(role, tx.Actor())
	if !stepDown && !incident.Allowed(inc, tx.Actor(), rules, e.opts.Groups) {
		return tx.Deny(ctx, "give or take the "+role+" role on "+inc.Key, rules)
	}
	ev, err := inc.AssignRole(tx.Now, tx.Actor(), role, who)
	switch {
	case errors.Is(err, incident.ErrSameRoleHolder):
		return keyed(inc, ErrorReply("%s holds %s on %s already.", User(who), role, inc.Key)), nil
	case errors.Is(err, incident.ErrRoleNotHeld):
		return keyed(inc, ErrorReply("Nobody holds %s on %s.", role, inc.Key)), nil
	case err != nil:
		return domainErrorReply(inc, err), nil
	}
	step, how := "assigned", "permitted"
	if who.IsZero() {
		step = "cleared"
	}
	if stepDown {
		how = "stepped down"
		ev.Data["stepped_down"] = true
	}
	tx.Record(ev)
	if _, err := tx.Q.AppendAudit(ctx, storage.AuditEntry{At: tx.Now, IncidentID: inc.ID, Actor: tx.Actor(),
		Action: AuditRolePrefix + role, Subject: inc.Key, Step: step, Outcome: how,
		Detail: map[string]any{"role": role, "from": ev.Data["from"], "to": ev.Data["to"],
			"source": string(tx.Inv.Source)}}); err != nil {
		return Reply{}, fmt.Errorf("audit %s change: %w", role, err)
	}
	if who.IsZero() {
		tx.Announce(Textf("🎭 %s took %s off %s: nobody holds it now.", tx.Actor(), role, inc.Key))
		return keyed(inc, TextReply("Nobody holds %s on %s now.", role, inc.Key)), nil
	}
	tx.Announce(Textf("🎭 %s is now %s for %s (named by %s)", User(who), role, inc.Key, tx.Actor()))
	return keyed(inc, TextReply("%s holds %s on %s now.", User(who), role, inc.Key)), nil
}

// listRoles answers "role" alone: the lead, then every configured role
// and who holds it.
func (e *Engine) listRoles(inc *incident.Incident) Reply {
	lines := []Rich{Textf("• *lead* — %s", User(inc.Lead))}
	names := slices.Clone(e.opts.Roles)
	for _, r := range inc.HeldRoles() {
		if !slices.Contains(names, r) {
			names = append(names, r) // held, though no longer configured
		}
	}
	for _, r := range names {
		lines = append(lines, Textf("• *%s* — %s", r, User(inc.RoleHolder(r))))
	}
	m := Message{}
	m.Header("Roles on " + inc.Key)
	m.Text(Join("\n", lines...))
	if len(e.opts.Roles) == 0 {
		m.Contextf("No incident roles are configured besides the lead: add `roles: [comms, scribe]` to the configuration.")
	} else {
		m.Contextf("`/incident role <name> <@user>` gives one, `/incident role <name> none` clears it.")
	}
	m.Fallback = "Roles on " + inc.Key
	return keyed(inc, Reply{Message: m})
}

// unknownRole refuses a role that is not configured, naming those that are.
func (e *Engine) unknownRole(name string) Reply {
	if len(e.opts.Roles) == 0 {
		return ErrorReply("%q is not a role here: no incident roles are configured besides the lead (`roles` in the configuration).", name)
	}
	return ErrorReply("%q is not a role here: the roles are %s.\nUsage: `%s`", name, strings.Join(e.opts.Roles, ", "), Usage(CmdRole))
}

// roleFields are the card's fields of the roles somebody holds, in name
// order: "Comms: @ana".
func roleFields(inc *incident.Incident) []Field {
	var out []Field
	for _, r := range inc.HeldRoles() {
		out = append(out, Field{Label: strings.ToUpper(r[:1]) + r[1:], Value: Rich{User(inc.RoleHolder(r))}})
	}
	return out
}

// keyed sets the incident a reply is about.
func keyed(inc *incident.Incident, r Reply) Reply {
	r.IncidentKey = inc.Key
	return r
}
