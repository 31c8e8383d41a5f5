package timeline

import (
	"fmt"
	"time"
)

// Finding levels.
const (
	LevelWarn = "warn" // a habit the report exists to expose
	LevelGood = "good" // the right order of things
	LevelInfo = "info"
)

// Finding is one thing the report points out, in words.
type Finding struct {
	Level  string
	Title  string
	Detail string
	Items  []string
}

func secs(a, b time.Time) int64 { return int64(b.Sub(a) / time.Second) }

// Findings lists what the report points out about the incident, most
// important first: the order of the two clocks, fail-forward decisions,
// instrumentation during impact, regressions, unanswered check-ins and
// how long a mitigation action sat unused.
func (x Export) Findings() []Finding {
	var out []Finding
	a := x.Analysis
	switch {
	case a.DiagnosedBeforeMitigated && x.MitigatedAt == nil:
		out = append(out, Finding{Level: LevelWarn, Title: "Diagnosed before mitigated",
			Detail: fmt.Sprintf("The cause was identified at %s, but impact was never marked mitigated: customers waited on more than the diagnosis.", shortAt(*x.DiagnosedAt))})
	case a.DiagnosedBeforeMitigated:
		out = append(out, Finding{Level: LevelWarn, Title: "Diagnosed before mitigated",
			Detail: fmt.Sprintf("The cause was identified at %s, %s before impact was first mitigated at %s: customers waited on the diagnosis.",
				shortAt(*x.DiagnosedAt), FormatSeconds(secs(*x.DiagnosedAt, *x.MitigatedAt)), shortAt(*x.MitigatedAt))})
	case x.MitigatedAt != nil && x.DiagnosedAt != nil:
		out = append(out, Finding{Level: LevelGood, Title: "Mitigated before diagnosed",
			Detail: fmt.Sprintf("The bleeding stopped at %s, %s before the cause was identified.",
				shortAt(*x.MitigatedAt), FormatSeconds(secs(*x.MitigatedAt, *x.DiagnosedAt)))})
	}
	if n := len(a.FailForward); n > 0 {
		f := Finding{Level: LevelWarn, Title: plural(n, "Fail-forward decision", "Fail-forward decisions"),
			Detail: "The team chose a forward fix while customers were still impacted."}
		for _, d := range a.FailForward {
			item := fmt.Sprintf("%s by %s: %s (impact went on for %s after)",
				shortAt(d.At), d.By.Display(), d.Reason, FormatSeconds(d.ImpactAfter))
			if dl := deadlineText(d); dl != "" {
				item += "; " + dl
			}
			f.Items = append(f.Items, item)
		}
		out = append(out, f)
	}
	if n := len(a.Instrumentation); n > 0 {
		f := Finding{Level: LevelWarn, Title: "Instrumentation during impact",
			Detail: "A microscope is not recovery: these ran while customers were hurt."}
		for _, i := range a.Instrumentation {
			f.Items = append(f.Items, fmt.Sprintf("%s %s by %s", shortAt(i.At), i.Action, i.By.Display()))
		}
		out = append(out, f)
	}
	if n := len(a.Regressions); n > 0 {
		f := Finding{Level: LevelWarn, Title: fmt.Sprintf("Impact regressed %s", plural(n, "once", fmt.Sprintf("%d times", n))),
			Detail: "A mitigation did not hold."}
		for _, r := range a.Regressions {
			s := fmt.Sprintf("#%d at %s", r.Number, shortAt(r.At))
			if r.Text != "" {
				s += ": " + r.Text
			}
			if r.MitigatedAgainAt != nil {
				s += fmt.Sprintf(" (mitigated again after %s)", FormatSeconds(r.Lasted))
			} else {
				s += fmt.Sprintf(" (never mitigated again; %s counted)", FormatSeconds(r.Lasted))
			}
			f.Items = append(f.Items, s)
		}
		out = append(out, f)
	}
	if n := len(a.EscalatedCheckins); n > 0 {
		f := Finding{Level: LevelWarn, Title: plural(n, "Check-in unanswered past escalation", fmt.Sprintf("%d check-ins unanswered past escalation", n)),
			Detail: "Nobody answered \"Is customer impact mitigated?\" in time."}
		for _, c := range a.EscalatedCheckins {
			s := shortAt(c.At)
			if c.Text != "" {
				s += ": " + c.Text
			}
			f.Items = append(f.Items, s)
		}
		out = append(out, f)
	}
	out = append(out, x.changeFindings()...)
	d := a.MitigationDelay
	switch {
	case d.Seconds != nil:
		out = append(out, Finding{Level: LevelInfo, Title: "Time to first mitigation action",
			Detail: fmt.Sprintf("Mitigation actions were one click away from %s; the first one run, %s, started at %s: %s later.",
				shortAt(*d.AvailableAt), d.Action, shortAt(*d.UsedAt), FormatSeconds(*d.Seconds))})
	case d.UsedAt == nil:
		out = append(out, Finding{Level: LevelInfo, Title: "No mitigation action run",
			Detail: "No mitigation action was run through Tourniquet."})
	}
	return append(out, x.probeFindings()...)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// FollowUps are the questions the postmortem should answer, the standard
// ones plus one per finding.
func (x Export) FollowUps() []string {
	a := x.Analysis
	out := []string{"What would have let us mitigate sooner?"}
	if a.DiagnosedBeforeMitigated {
		out = append(out, "Customers waited on the diagnosis: which safe move (rollback, kill switch, route away) could have stopped the bleeding without knowing the cause?")
	}
	if len(a.FailForward) > 0 {
		out = append(out, "Review each fail-forward decision: was a rollback or kill switch available, and why was it not trusted?")
	}
	if len(a.Instrumentation) > 0 {
		out = append(out, "Instrumentation ran during impact: what would have let us mitigate first and investigate after?")
	}
	if len(a.Regressions) > 0 {
		out = append(out, "Impact came back: why did the first mitigation not hold, and how would we have known sooner?")
	}
	if len(a.EscalatedCheckins) > 0 {
		out = append(out, "Check-ins went unanswered: who owns the mitigation question during an incident?")
	}
	if a.MitigationDelay.UsedAt == nil {
		out = append(out, "No mitigation action was run: which safe move was missing, untrusted or not configured for the affected services?")
	}
	return append(out, "What made the cause hard to see outside production?")
}
