package alerts

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/words"
	"github.com/tourniquet/tourniquet/storage"
)

// proposalKey is the key of a group's proposal in the triage channel:
// every notification of the group updates that one message.
func proposalKey(groupID int64) string { return "alerts/proposal/" + strconv.FormatInt(groupID, 10) }

// headline is "Alert HighErrorRate firing on checkout (3 alerts)". Every
// part is the sender's text: data in the message model, never markup.
func headline(g *Group, services []string) bot.Rich {
	on := ""
	if len(services) > 0 {
		on = " on " + strings.Join(services, ", ")
	}
	return bot.Textf("Alert %s %s%s (%s)", g.Name(), g.Status, on, alertCount(g))
}

func alertCount(g *Group) string {
	n := len(g.Alerts) + g.TruncatedAlerts
	if g.Status == StatusFiring && g.Firing() != len(g.Alerts) {
		return words.Count(g.Firing(), "alert", "alerts") + " firing of " + strconv.Itoa(n)
	}
	return words.Count(n, "alert", "alerts")
}

// details are the summary and where the alert came from.
func details(m *bot.Message, g *Group) {
	if s := g.CommonAnnotations["summary"]; s != "" {
		m.Text(bot.Plain(cut(incident.CleanText(s, incident.SingleLine), 500)))
	} else if g.Message != "" {
		m.Text(bot.Plain(cut(incident.CleanText(g.Message, incident.MultiLine), 500)))
	}
	ctx := bot.Textf("From %s", senderName(g.Source))
	if g.Receiver != "" {
		ctx = bot.Textf("From %s (receiver %s)", senderName(g.Source), g.Receiver)
	}
	m.Context(ctx)
}

// proposal is the triage message of a firing group: declare it, attach it
// to an open incident of its services, or ignore it.
func (r *Router) proposal(ctx context.Context, q storage.Querier, row storage.AlertGroup, g *Group, rt *route) (bot.Message, error) {
	services := rt.services(g)
	var m bot.Message
	m.Color = "warning"
	m.Text(bot.Textf("🔔 %s", headline(g, services)))
	details(&m, g)
	sev := rt.severity(g)
	id := strconv.FormatInt(row.ID, 10)
	buttons := []bot.Button{{Label: "Declare " + strings.ToUpper(string(sev)), Command: CmdDeclare + " " + id, Style: bot.StylePrimary}}
	incs, err := r.candidates(ctx, q, services)
	if err != nil {
		return bot.Message{}, err
	}
	for _, inc := range incs {
		buttons = append(buttons, bot.Button{Label: "Attach to " + inc.Key, Command: inc.Key + " " + CmdAttach + " " + id})
	}
	buttons = append(buttons, bot.Button{Label: "Ignore", Command: CmdIgnore + " " + id})
	m.Buttons(buttons...)
	m.Fallback = headline(g, services).String()
	return m, nil
}

// closedProposal is the proposal once decided or resolved: what happened,
// no buttons.
func (r *Router) closedProposal(row storage.AlertGroup, g *Group, decision, key string, by incident.Actor) bot.Message {
	var m bot.Message
	head := headline(g, pick(r.routes, g).services(g))
	switch {
	case decision == DecisionDeclared:
		m.Color = "danger"
		m.Text(bot.Textf("🚨 %s", head))
		m.Context(byWhom(bot.Textf("Declared as %s", key), by))
	case decision == DecisionAttached:
		m.Text(bot.Textf("📎 %s", head))
		m.Context(byWhom(bot.Textf("Attached to %s", key), by))
	case decision == DecisionIgnored:
		m.Text(bot.Textf("🔕 %s", head))
		m.Context(byWhom(bot.Plain("Ignored"), by))
	default:
		m.Color = "good"
		m.Text(bot.Textf("✅ %s", head))
		m.Context(bot.Plain("Resolved before anyone acted on it."))
	}
	m.Fallback = head.String()
	return m
}

func byWhom(what bot.Rich, by incident.Actor) bot.Rich {
	if by.IsZero() || by.ID == "" {
		return bot.Textf("%s.", what)
	}
	return bot.Textf("%s by %s.", what, by)
}

// resolvedQuestion asks, in the incident's channel, whether impact is
// mitigated now that every attached alert resolved.
func resolvedQuestion(inc *incident.Incident, ref string) bot.Message {
	var m bot.Message
	m.Color = "warning"
	m.Textf("✅ The alerts resolved — is customer impact mitigated?")
	m.Context(bot.Plain("An alert resolving is not the same as customers being fine: say so, or keep mitigating."))
	m.Buttons(
		bot.Button{Label: "Yes", Command: CmdResolvedAnswer + " " + ref + " yes", Style: bot.StylePrimary},
		bot.Button{Label: "No", Command: CmdResolvedAnswer + " " + ref + " no"},
	)
	m.Fallback = "The alerts resolved — is customer impact mitigated?"
	return m
}

// answeredQuestion is the question once answered.
func answeredQuestion(answer string, by incident.Actor) bot.Message {
	var m bot.Message
	if answer == "yes" {
		m.Text(bot.Textf("✅ The alerts resolved — impact mitigated, said %s.", by))
	} else {
		m.Text(bot.Textf("🔴 The alerts resolved, but customer impact continues, said %s.", by))
	}
	m.Fallback = m.PlainText()
	return m
}

func joinComma(s []string) string { return strings.Join(s, ",") }

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func sortNewest(incs []*incident.Incident) {
	slices.SortFunc(incs, func(a, b *incident.Incident) int { return int(b.ID - a.ID) })
}
