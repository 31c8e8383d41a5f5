package readiness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// CmdDrill is the command that opens a drill.
const CmdDrill = "drill"

// drillSeverity is the severity a drill is declared with: check-ins come
// at a real cadence, nobody is paged as for a sev1.
const drillSeverity = "sev3"

// Commands are the readiness feature's commands: "drill".
func Commands() []bot.CommandSpec {
	return []bot.CommandSpec{drillCommand()}
}

// drillCommand is "drill <service> [scenario]": open a drill, an incident
// marked DRILL everywhere whose actions run against their drill targets,
// graded at resolution.
func drillCommand() bot.CommandSpec {
	return bot.CommandSpec{
		Name:    CmdDrill,
		Summary: "rehearse a service's safe moves: open a DRILL incident whose actions run against their drill targets, graded at resolve",
		Brief:   "Open a drill: rehearse a service's safe moves",
		Section: bot.SectionIncidents,
		Needs:   bot.NoIncident,
		Args: []bot.Arg{
			{Name: "service", Kind: bot.ArgServices, Need: bot.Required, MaxLen: 64, Shape: "service",
				Help: "The service whose safe moves to rehearse", Missing: "name the service to drill"},
			{Name: "scenario", Kind: bot.ArgText, MaxLen: 150, Help: "What is rehearsed (bad deploy, flag gone wrong)"},
		},
		Parse:  parseDrill,
		Handle: openDrill,
	}
}

// parseDrill reads "<service> [scenario]": the first word is the service,
// the rest the scenario.
func parseDrill(rest string) (bot.Values, error) {
	spec := drillCommand()
	vals := bot.Values{}
	w, r := firstWord(rest)
	for _, a := range spec.Args {
		raw := w
		if a.Name == "scenario" {
			raw = r
		}
		v, err := bot.ReadArg(a, raw)
		switch {
		case errors.Is(err, bot.ErrNoValue) && a.Need == bot.Required:
			return vals, &bot.UsageError{Problem: a.Missing}
		case errors.Is(err, bot.ErrNoValue):
		case err != nil:
			return vals, &bot.UsageError{Problem: err.Error()}
		default:
			vals[a.Name] = v
		}
	}
	return vals, nil
}

func firstWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }); i >= 0 {
		return s[:i], strings.TrimSpace(s[i:])
	}
	return s, ""
}

// openDrill declares the drill's incident (through declare, so that it is
// one like any other: its channel, its card, its check-ins), marks it a
// drill, and names its service.
func openDrill(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
	svcs := c.Services("service")
	if len(svcs) != 1 {
		return bot.ErrorReply("Drill one service at a time.\nUsage: `/incident drill <service> [scenario]`"), nil
	}
	svc, scenario := svcs[0], c.Text("scenario")
	title := "DRILL: " + svc
	if scenario != "" {
		title += " — " + scenario
	}
	r, err := tx.Dispatch(ctx, bot.CmdDeclare, map[string]string{
		bot.FieldSeverity: drillSeverity, bot.FieldTitle: title, bot.FieldServices: svc, bot.FieldDrill: "true"})
	if err != nil || r.Error || tx.Incident == nil {
		return r, err
	}
	d := storage.Drill{IncidentID: tx.Incident.ID, Service: svc, Scenario: scenario, StartedAt: tx.Now}
	if err := tx.Q.CreateDrill(ctx, d); err != nil {
		return bot.Reply{}, fmt.Errorf("mark %s a drill: %w", tx.Incident.Key, err)
	}
	// The card declare posted was built before the drill existed: post it
	// again, with the drill's banner, in the same unit of work.
	card, err := tx.Card(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	tx.UpdateInIncident(bot.CardKey(tx.Incident), card)
	out := bot.TextReply("🧪 Drill %s opened for %s: nothing real is touched; each action runs against its drill target, and one without one is refused. Resolve it to get its grade.", tx.Incident.Key, svc)
	out.IncidentKey = tx.Incident.Key
	return out, nil
}

// Panel is the drill banner on the card and every check-in of a drill.
func Panel(ctx context.Context, q storage.Querier, inc *incident.Incident, _ time.Time) ([]bot.Block, error) {
	d, err := q.GetDrill(ctx, inc.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	text := bot.Textf("🧪 *DRILL* of %s: actions run against their drill targets; nothing real is touched. Excluded from reports and metrics.", d.Service)
	if d.Scenario != "" {
		text = bot.Textf("🧪 *DRILL* of %s (%s): actions run against their drill targets; nothing real is touched. Excluded from reports and metrics.", d.Service, d.Scenario)
	}
	return []bot.Block{{Kind: bot.BlockContext, Text: text}}, nil
}
