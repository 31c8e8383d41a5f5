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
		Args: []Arg{
			{Name: "role", Kind: ArgWord, MaxLen: 32, Help: "The role, as configured (empty: list the roles)"},
			{Name: "user", Kind: ArgUser, Help: "Who gets it"},
			{Name: "clear", Kind: ArgFlag, Help: "Take the role from whoever holds it"},
		},
		Handle: engineHandler((*Engine).role),
	}
}

// parseRole parses "role [<name> [<@user> | none]]". The name is checked
// against the configured roles by the handler, which can list them.
func parseRole(c Command, rest string) (Command, error) {
	name, rest := nextWord(rest)
	if name == "" {
		return c, nil
	}
	c.Role = strings.ToLower(name)
	who, extra := nextWord(rest)
	if extra != "" {
		return c, usageErr(CmdRole, "`role` takes a role and one person (or none)")
	}
	switch {
	case who == "":
	case slices.Contains(clearWords, strings.ToLower(who)):
		c.ClearRole = true
	default:
		m, ok := parseMention(who)
		if !ok {
			return c, usageErr(CmdRole, "%q is not a user: mention them like @name, or say none to clear the role", who)
		}
		c.Holder = m
	}
	return c, nil
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
	switch {
	case c.Role == "":
		return e.listRoles(inc), nil
	case c.Role == incident.RoleLead && c.ClearRole:
		return keyed(inc, ErrorReply("An incident always has a lead. Name another one: `%s`", Usage(CmdLead))), nil
	case c.Role == incident.RoleLead && c.Holder.ID != "":
		return tx.Dispatch(ctx, Command{Name: CmdLead, Lead: c.Holder})
	case c.Role == incident.RoleLead:
		return keyed(inc, TextReply("%s leads %s.", User(inc.Lead), inc.Key)), nil
	}
	_, held := inc.Roles[c.Role]
	if !slices.Contains(e.opts.Roles, c.Role) && !(held && c.Holder.ID == "") {
		return keyed(inc, e.unknownRole(c.Role)), nil
	}
	if c.Holder.ID == "" && !c.ClearRole {
		if !held {
			return keyed(inc, TextReply("Nobody holds %s on %s. `/incident role %s <@user>` gives it.", c.Role, inc.Key, c.Role)), nil
		}
		return keyed(inc, TextReply("%s holds %s on %s.", User(inc.RoleHolder(c.Role)), c.Role, inc.Key)), nil
	}

	var who incident.Actor
	if !c.ClearRole {
		who = incident.Actor{Platform: c.Holder.Platform, ID: c.Holder.ID, Name: c.Holder.Name}
		if who.Platform == "" {
			who.Platform = tx.Inv.Channel.Platform
		}
		if who.Name == "" && who.Same(tx.Actor()) {
			who.Name = tx.Actor().Name
		}
	}
	rules := rulesOrDefault(e.opts.Permissions.Roles)
	stepDown := c.ClearRole && inc.HoldsRole(c.Role, tx.Actor())
	if !stepDown && !incident.Allowed(inc, tx.Actor(), rules, e.opts.Groups) {
		return tx.Deny(ctx, "give or take the "+c.Role+" role on "+inc.Key, rules)
	}
	ev, err := inc.AssignRole(tx.Now, tx.Actor(), c.Role, who)
	switch {
	case errors.Is(err, incident.ErrSameRoleHolder):
		return keyed(inc, ErrorReply("%s holds %s on %s already.", User(who), c.Role, inc.Key)), nil
	case errors.Is(err, incident.ErrRoleNotHeld):
		return keyed(inc, ErrorReply("Nobody holds %s on %s.", c.Role, inc.Key)), nil
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
		Action: AuditRolePrefix + c.Role, Subject: inc.Key, Step: step, Outcome: how,
		Detail: map[string]any{"role": c.Role, "from": ev.Data["from"], "to": ev.Data["to"],
			"source": string(tx.Inv.Source)}}); err != nil {
		return Reply{}, fmt.Errorf("audit %s change: %w", c.Role, err)
	}
	if who.IsZero() {
		tx.Announce(Textf("🎭 %s took %s off %s: nobody holds it now.", tx.Actor(), c.Role, inc.Key))
		return keyed(inc, TextReply("Nobody holds %s on %s now.", c.Role, inc.Key)), nil
	}
	tx.Announce(Textf("🎭 %s is now %s for %s (named by %s)", User(who), c.Role, inc.Key, tx.Actor()))
	return keyed(inc, TextReply("%s holds %s on %s now.", User(who), c.Role, inc.Key)), nil
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
