package timeline

import (
	"fmt"
	"strings"
	"time"
)

func shortAt(t time.Time) string { return t.UTC().Format(LayoutShort) }

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// TemplateSummary is the deterministic summary of an incident, written
// from its facts alone: one paragraph on customer impact and its
// mitigation, one on the diagnosis, one on the resolution. Mitigation and
// diagnosis are never mixed.
func TemplateSummary(f Facts) string { return summaryWith(f, func(s string) string { return s }) }

// summaryWith is the template summary with what people typed (reasons,
// causes, resolutions, action titles) passed through esc, so that a
// renderer can make it data in its format (the Markdown export).
func summaryWith(f Facts, esc func(string) string) string {
	return strings.Join([]string{impactParagraph(f, esc), diagnosisParagraph(f, esc), resolutionParagraph(f, esc)}, "\n\n")
}

func impactParagraph(f Facts, esc func(string) string) string {
	var b strings.Builder
	open := f.State != "resolved"
	switch {
	case f.MitigatedAt == nil && open:
		fmt.Fprintf(&b, "Customers have been impacted for %s so far (since %s); impact has not been mitigated yet.",
			f.CustomerImpact, shortAt(f.ImpactStartedAt))
	case f.MitigatedAt == nil:
		fmt.Fprintf(&b, "Customers were impacted for %s: impact started at %s and was never marked mitigated before the incident was resolved.",
			f.CustomerImpact, shortAt(f.ImpactStartedAt))
	default:
		fmt.Fprintf(&b, "Customers were impacted for %s. Impact started at %s and was first mitigated %s later, at %s",
			f.CustomerImpact, shortAt(f.ImpactStartedAt), f.TimeToMitigate, shortAt(*f.MitigatedAt))
		// What mitigated is what the person said, or the action they said
		// stopped the impact; an action that merely succeeded is not
		// credited.
		switch {
		case f.MitigatedByAction != "":
			fmt.Fprintf(&b, ", after running %s (confirmed as what stopped the impact).", esc(f.MitigatedByAction))
		case f.MitigatedHow != "":
			fmt.Fprintf(&b, ": %s", esc(sentence(f.MitigatedHow)))
		default:
			b.WriteString(".")
		}
		if f.Regressions > 0 {
			fmt.Fprintf(&b, " Impact came back %s, for %d impact windows in all.",
				plural(f.Regressions, "once", fmt.Sprintf("%d times", f.Regressions)), f.ImpactWindows)
		}
		if f.Impact == "ongoing" && open {
			b.WriteString(" Impact is ongoing again now.")
		}
	}
	for _, d := range f.FailForward {
		fmt.Fprintf(&b, " At %s the team decided to fix forward while impact continued (%s); impact went on for %s after that decision.",
			shortAt(d.At), esc(strings.TrimSuffix(d.Reason, ".")), d.ImpactAfter)
	}
	if n := len(f.InstrumentationDuringImpact); n > 0 {
		var names []string
		for _, n := range f.InstrumentationDuringImpact {
			names = append(names, esc(n))
		}
		fmt.Fprintf(&b, " While customers were hurt, instrumentation was run (%s): it helps diagnosis but does not stop impact.",
			strings.Join(names, ", "))
	}
	if f.EscalatedCheckins > 0 {
		fmt.Fprintf(&b, " %s went unanswered until escalated.",
			plural(f.EscalatedCheckins, "One mitigation check-in", fmt.Sprintf("%d mitigation check-ins", f.EscalatedCheckins)))
	}
	return b.String()
}

func diagnosisParagraph(f Facts, esc func(string) string) string {
	if f.DiagnosedAt == nil {
		if f.State == "resolved" {
			return "The cause was never recorded as identified."
		}
		return "The cause has not been identified yet."
	}
	s := fmt.Sprintf("The cause was identified %s after impact started, at %s", f.TimeToDiagnose, shortAt(*f.DiagnosedAt))
	if f.CauseText != "" {
		s += ": " + esc(sentence(f.CauseText))
	} else {
		s += "."
	}
	switch {
	case f.MitigatedBeforeDiagnosed == nil:
		s += " Customers were still impacted when the cause was found."
	case *f.MitigatedBeforeDiagnosed:
		gap := int64(f.DiagnosedAt.Sub(*f.MitigatedAt) / time.Second)
		s += fmt.Sprintf(" Mitigation came first: the bleeding stopped %s before the cause was understood.", FormatSeconds(gap))
	default:
		gap := int64(f.MitigatedAt.Sub(*f.DiagnosedAt) / time.Second)
		s += fmt.Sprintf(" The diagnosis came first: customers stayed impacted for another %s after the cause was known.", FormatSeconds(gap))
	}
	return s
}

func resolutionParagraph(f Facts, esc func(string) string) string {
	if f.ResolvedAt == nil {
		return fmt.Sprintf("The incident is still open (as of %s).", shortAt(f.AsOf))
	}
	s := fmt.Sprintf("It was resolved %s after impact started, at %s", f.TimeToResolve, shortAt(*f.ResolvedAt))
	if f.Resolution != "" {
		return s + ": " + esc(sentence(f.Resolution))
	}
	return s + "."
}
