package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
)

// transition makes a handler of a domain transition: apply it, record the
// event, announce it in the channel.
func transition(apply func(tx *Tx, c Command) (incident.Event, error)) HandlerFunc {
	return func(ctx context.Context, tx *Tx, c Command) (Reply, error) {
		ev, err := apply(tx, c)
		if err != nil {
			return domainErrorReply(tx.Incident, err), nil
		}
		tx.Record(ev)
		tx.Announce(EventLine(tx.Incident, ev, tx.Now))
		return doneReply(tx.Incident, ev), nil
	}
}

func doneReply(inc *incident.Incident, ev incident.Event) Reply {
	r := TextReply("Recorded on %s's timeline: %s.", inc.Key, strings.ReplaceAll(string(ev.Kind), "_", " "))
	r.IncidentKey = inc.Key
	return r
}

// resolvedReply refuses a command on a resolved incident.
func resolvedReply(inc *incident.Incident) Reply {
	r := ErrorReply("%s is resolved; only `status`, `timeline` and `note` work on it now.", inc.Key)
	r.IncidentKey = inc.Key
	return r
}

// domainErrorReply explains a refused transition in the user's terms.
func domainErrorReply(inc *incident.Incident, err error) Reply {
	var msg Rich
	at := func(t interface{ Format(string) string }) string { return t.Format("15:04 UTC") }
	switch {
	case errors.Is(err, incident.ErrResolved):
		return resolvedReply(inc)
	case errors.Is(err, incident.ErrAlreadyMitigated):
		msg = Textf("Impact on %s is already mitigated. If it is back, use `/incident regressed`.", inc.Key)
	case errors.Is(err, incident.ErrNotMitigated):
		msg = Textf("Impact on %s was never marked mitigated, so it cannot regress. Still hurting? Mitigate first: `/incident actions`.", inc.Key)
	case errors.Is(err, incident.ErrAlreadyDiagnosed):
		msg = Textf("The cause of %s is already identified: %q. Add details with `/incident note`.", inc.Key, inc.CauseText)
	case errors.Is(err, incident.ErrNotOngoing):
		msg = Textf("Impact on %s is mitigated; a fail-forward decision is for while customers are still hurting.", inc.Key)
	case errors.Is(err, incident.ErrImpactStartInFuture):
		msg = Textf("Impact cannot start in the future. Usage: `%s`", Usage(CmdImpactStarted))
	case errors.Is(err, incident.ErrImpactStartAfterMitigation):
		msg = Textf("Impact cannot start after it was first mitigated (%s). Usage: `%s`", at(*inc.MitigatedAt), Usage(CmdImpactStarted))
	case errors.Is(err, incident.ErrSameSeverity):
		msg = Textf("%s is already %s.", inc.Key, strings.ToUpper(string(inc.Severity)))
	case errors.Is(err, incident.ErrSameLead):
		msg = Textf("%s already leads %s.", inc.Lead.Display(), inc.Key)
	default:
		msg = Plain(err.Error())
	}
	r := ErrorReply("%s", msg)
	r.IncidentKey = inc.Key
	return r
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

// ChannelName is the suggested incident channel name: inc-<id>-<slug>.
func ChannelName(inc *incident.Incident) string {
	slug := strings.Trim(slugRe.ReplaceAllString(strings.ToLower(inc.Title), "-"), "-")
	name := fmt.Sprintf("inc-%d-%s", inc.ID, slug)
	if len(name) > 80 {
		name = strings.TrimRight(name[:80], "-")
	}
	return strings.TrimRight(name, "-")
}

// sevCommand is "sev <1-4>".
func sevCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdSev,
		Aliases: []string{"severity"},
		Summary: "change the severity",
		Brief:   "Change the severity",
		Section: SectionSettings,
		Needs:   OpenIncident,
		Args: []Arg{{Name: FieldSeverity, Kind: ArgSeverity, Need: Required, Shape: "1-4", Help: "sev1 is the worst",
			Missing: "which severity?"}},
		Handle: engineHandler((*Engine).severity),
	}
}

func (e *Engine) severity(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	rules := rulesOrDefault(e.opts.Permissions.Severity)
	if !incident.Allowed(tx.Incident, tx.Actor(), rules, e.opts.Groups) {
		return tx.Deny(ctx, "change the severity of "+tx.Incident.Key, rules)
	}
	return transition(func(tx *Tx, c Command) (incident.Event, error) {
		return tx.Incident.SetSeverity(tx.Now, tx.Actor(), c.Severity(FieldSeverity))
	})(ctx, tx, c)
}

// statusCommand is "status": the card, privately; a resolved incident's too.
func statusCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdStatus,
		Summary: "show the incident and its two clocks",
		Brief:   "Show the incident and its two clocks",
		Section: SectionReports,
		Needs:   AnyIncident,
		Handle:  engineHandler((*Engine).status),
	}
}

func (e *Engine) status(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	card, err := tx.Card(ctx)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Message: card}, nil
}
