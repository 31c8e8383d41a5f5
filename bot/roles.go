package bot

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// AuditRoleLead is the audit action of a change of lead.
const AuditRoleLead = "role.lead"

// leadCommand is "lead <@user>".
func leadCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdLead,
		Summary: "name the incident lead (lead, declarer or configured; anyone may claim an incident nobody leads)",
		Brief:   "Name the incident lead",
		Section: SectionSettings,
		Needs:   OpenIncident,
		Args: []Arg{{Name: "user", Kind: ArgUser, Need: Required, Shape: "@user", Help: "Who leads",
			Missing: "who should lead? Mention them"}},
		Handle: engineHandler((*Engine).lead),
	}
}

// lead handles "lead <@user>". The lead is a role that resolve, severity,
// impact start and the actions' allow-lists grant power to, so naming one
// is guarded by permissions.lead (default: the lead and the declarer),
// checked here by immutable IDs wherever the command is typed. One
// exception: when nobody leads (the system declared the incident), a
// person may claim it by naming themselves; naming anyone else always
// needs the permission. Every change is audited with who, from and to.
func (e *Engine) lead(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	return e.assignLead(ctx, tx, c.User("user"))
}

// assignLead names m lead of tx.Incident, by the rule of lead; "role lead
// <@user>" comes here too.
func (e *Engine) assignLead(ctx context.Context, tx *Tx, m Mention) (Reply, error) {
	inc := tx.Incident
	lead := m.actor(tx.Inv.Channel.Platform, tx.Actor())
	rules := rulesOrDefault(e.opts.Permissions.Lead)
	claim := !inc.HasLead() && lead.Same(tx.Actor())
	if !claim && !incident.Allowed(inc, tx.Actor(), rules, e.opts.Groups) {
		return tx.Deny(ctx, "name the lead of "+inc.Key, rules)
	}
	ev, err := inc.AssignLead(tx.Now, tx.Actor(), lead)
	if err != nil {
		return domainErrorReply(inc, err), nil
	}
	how := "permitted"
	if claim {
		how = "claimed"
		ev.Data["claimed"] = true
	}
	tx.Record(ev)
	if _, err := tx.Q.AppendAudit(ctx, storage.AuditEntry{At: tx.Now, IncidentID: inc.ID, Actor: tx.Actor(),
		Action: AuditRoleLead, Subject: inc.Key, Step: "assigned", Outcome: how,
		Detail: map[string]any{"role": incident.RoleLead, "from": ev.Data["from"], "to": ev.Data["to"],
			"source": string(tx.Inv.Source)}}); err != nil {
		return Reply{}, fmt.Errorf("audit lead change: %w", err)
	}
	tx.Announce(EventLine(inc, ev, tx.Now))
	return doneReply(inc, ev), nil
}
