package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// impactStartedCommand is "impact-started <when> [force]": the force word
// is part of the time (incident.ParseTimeSpec), so that a form's or an
// option's value can carry it too.
func impactStartedCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdImpactStarted,
		Aliases: []string{"impact-start", "impact_started"},
		Summary: "say when customer impact really began (force: more than 30 days ago)",
		Brief:   "Say when customer impact really began",
		Usage:   "<RFC3339 | HH:MM | -15m> [force]",
		Section: SectionClocks,
		Needs:   OpenIncident,
		Args: []Arg{{Name: "when", Kind: ArgTime, Need: Required, MaxLen: 64,
			Help: "RFC3339, HH:MM (UTC) or a duration ago like -15m", Missing: "when did impact start?"}},
		Handle: engineHandler((*Engine).impactStarted),
	}
}

// impactStarted handles "impact-started <when> [force]": it moves the
// start of customer impact, which every metric counts from, so the reply
// says what the move did to the headline number. A start more than
// incident.MaxImpactLookback ago is refused unless forced: it is far more
// often "-9999h" typed for "-99m" than the truth.
func (e *Engine) impactStarted(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	inc := tx.Incident
	rules := rulesOrDefault(e.opts.Permissions.ImpactStart)
	if !incident.Allowed(inc, tx.Actor(), rules, e.opts.Groups) {
		return tx.Deny(ctx, "move the impact start of "+inc.Key, rules)
	}
	when := c.Time("when")
	to := when.Resolve(tx.Now)
	if !when.Force && incident.CheckImpactStart(tx.Now, to) != nil {
		line := "/incident "
		if c.Incident != "" {
			line += c.Incident + " "
		}
		line += CmdImpactStarted + " " + when.Raw + " force"
		r := ErrorReply("%s If it is right, say so: `%s`.", impactTooEarly(tx.Now, to), line)
		r.IncidentKey = inc.Key
		return r, nil
	}
	before := customerImpact(inc, tx.Now)
	ev, err := inc.MoveImpactStart(tx.Now, tx.Actor(), to)
	if err != nil {
		return domainErrorReply(inc, err), nil
	}
	tx.Record(ev)
	tx.Announce(EventLine(inc, ev, tx.Now))
	r := TextReply("Recorded on %s's timeline: impact start moved. %s", inc.Key, impactShift(inc, tx.Now, before))
	r.IncidentKey = inc.Key
	return r, nil
}

// impactTooEarly explains a refused impact start; the caller says how to
// insist.
func impactTooEarly(now, to time.Time) Rich {
	return Textf("Impact start %s is more than 30 days before now (%s ago), which is usually a typo.",
		to.UTC().Format("2006-01-02 15:04 UTC"), FormatDuration(now.Sub(to)))
}

func customerImpact(inc *incident.Incident, now time.Time) time.Duration {
	return time.Duration(inc.ComputeMetrics(now).CustomerImpact) * time.Second
}

// impactShift says what moving the impact start did to customer impact
// time: "Customer impact now counts from 2026-03-01 13:50 UTC: 40m so far,
// 10m more than before."
func impactShift(inc *incident.Incident, now time.Time, before time.Duration) string {
	after := customerImpact(inc, now)
	change := "the same as before"
	switch {
	case after > before:
		change = FormatDuration(after-before) + " more than before"
	case after < before:
		change = FormatDuration(before-after) + " less than before"
	}
	return fmt.Sprintf("Customer impact now counts from %s: %s so far, %s.",
		inc.ImpactStartedAt.UTC().Format("2006-01-02 15:04 UTC"), FormatDuration(after), change)
}
