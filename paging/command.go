package paging

import (
	"context"
	"strings"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// CmdPage is "page <target> [message]".
const CmdPage = "page"

// Commands are paging's commands, for bot.Options.Commands: none when no
// target is configured.
func (s *Service) Commands() []bot.CommandSpec {
	if !s.Enabled() {
		return nil
	}
	return []bot.CommandSpec{{
		Name:    CmdPage,
		Summary: "page the on-call through a paging target (" + strings.Join(s.names, ", ") + ")",
		Brief:   "Page the on-call",
		Section: bot.SectionRecord,
		Needs:   bot.OpenIncident,
		Args: []bot.Arg{
			{Name: "target", Kind: bot.ArgWord, Need: bot.Required, MaxLen: 64, Help: "A paging target: " + strings.Join(s.names, ", "),
				Missing: "whom? name a paging target: " + strings.Join(s.names, ", ")},
			{Name: "message", Kind: bot.ArgText, MaxLen: 500, Help: "What the person paged should know"},
		},
		Handle: s.page,
	}}
}

// page handles "page <target> [message]": checked against paging.allowed
// (the lead and whoever declared, by default), recorded, sent by the
// worker.
func (s *Service) page(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
	inc := tx.Incident
	rules := s.o.Config.Allowed
	if len(rules) == 0 {
		rules = []string{incident.RoleLead, incident.RoleDeclarer}
	}
	if !incident.Allowed(inc, tx.Actor(), rules, s.o.Groups) {
		return tx.Deny(ctx, "page for "+inc.Key, rules)
	}
	t, err := s.target(c.Text("target"))
	if err != nil {
		return bot.ErrorReply("%q is not a paging target; the targets are %s.\nUsage: `%s`", c.Text("target"),
			strings.Join(s.names, ", "), tx.Usage(CmdPage)), nil
	}
	step := stepManual + t.Name + "/" + tx.Now.UTC().Format("20060102T150405.000000000")
	ok, err := s.request(ctx, tx, step, t.Name, c.Text("message"), actiontype.PageTrigger)
	if err != nil {
		return bot.Reply{}, err
	}
	if !ok {
		return bot.ErrorReply("%s was paged through %s a moment ago.", inc.Key, t.Name), nil
	}
	r := bot.TextReply("📟 Paging %s for %s; the outcome will be on the timeline.", t.Name, inc.Key)
	r.IncidentKey = inc.Key
	return r, nil
}
