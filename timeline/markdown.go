package timeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// mdEscaper makes text literal in CommonMark (and GitHub's tables):
// every character that can start emphasis, code, a link or an image, raw
// HTML, an entity, a table cell or strikethrough is backslash-escaped, and
// line breaks become spaces so that no line of what a person typed can
// start a heading, a list, a quote or a block.
var mdEscaper = strings.NewReplacer(
	"\r\n", " ", "\n", " ", "\r", " ",
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `<`, `\<`, `>`, `\>`,
	`!`, `\!`, `&`, `\&`, `|`, `\|`, `~`, `\~`, `#`, `\#`,
)

// mdEscape is what a person typed, as literal Markdown text.
func mdEscape(s string) string {
	if mdPlain(s) {
		return s // nothing to remove or escape: skip the Replacer, the report calls this for every event
	}
	return mdEscaper.Replace(incident.Printable(s))
}

// mdPlain reports whether s is printable ASCII with none of the characters
// mdEscaper replaces, so that mdEscape(s) is s.
func mdPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '!', '&', '|', '~', '#':
			return false
		default:
			if c < 0x20 || c >= 0x7f {
				return false
			}
		}
	}
	return true
}

func findingIcon(level string) string {
	switch level {
	case LevelWarn:
		return "⚠️"
	case LevelGood:
		return "✅"
	}
	return "ℹ️"
}

// KindLabel is an event kind for people: "checkin_sent" → "check-in sent".
func KindLabel(k incident.Kind) string {
	s := strings.ReplaceAll(string(k), "_", " ")
	s = strings.ReplaceAll(s, "checkin", "check-in")
	return strings.ReplaceAll(s, "fail forward", "fail-forward")
}

// Markdown renders the export as a report ready to paste into a postmortem
// document: the summary, the two clocks, the findings, the impact windows,
// the actions run and their outcomes, the decisions, the full timeline
// with each event's impact phase, and the follow-ups.
func (x Export) Markdown() string {
	var b strings.Builder
	b.Grow(8<<10 + 160*len(x.Events)) // a timeline row is about 100–150 bytes
	inc := x.Incident
	m := x.Metrics
	fmt.Fprintf(&b, "# %s: %s\n\n", inc.Key, mdEscape(inc.Title))
	if inc.Private {
		b.WriteString("**Private incident**: keep this report among the people who handled it.\n\n")
	}
	services := "none named"
	if len(inc.Services) > 0 {
		services = strings.Join(inc.Services, ", ")
	}
	fmt.Fprintf(&b, "**Severity** %s · **State** %s · **Impact** %s · **Cause** %s · **Lead** %s · **Services** %s\n\n",
		strings.ToUpper(string(inc.Severity)), inc.State, inc.Impact, inc.Cause, mdEscape(inc.Lead.Display()), mdEscape(services))
	fmt.Fprintf(&b, "_Report as of %s. Times are UTC; T+ counts from the start of customer impact._\n\n", fmtTime(&x.GeneratedAt))

	b.WriteString("## Summary\n\n")
	b.WriteString(summaryWith(FactsOf(x, nil), mdEscape))
	b.WriteString("\n\n")

	b.WriteString("## The two clocks\n\n| clock | from impact start | at |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| Impact started | — | %s |\n", fmtTime(&x.ImpactStartedAt))
	fmt.Fprintf(&b, "| Declared | %s | %s |\n", offset(x.ImpactStartedAt, x.DeclaredAt), fmtTime(&x.DeclaredAt))
	fmt.Fprintf(&b, "| **Time to mitigate** | **%s** | %s |\n", FormatClock(m.TimeToMitigate), fmtTime(x.MitigatedAt))
	fmt.Fprintf(&b, "| **Time to diagnose** | **%s** | %s |\n", FormatClock(m.TimeToDiagnose), fmtTime(x.DiagnosedAt))
	fmt.Fprintf(&b, "| Time to resolve | %s | %s |\n", FormatClock(m.TimeToResolve), fmtTime(x.ResolvedAt))
	fmt.Fprintf(&b, "| **Customer impact** | **%s** | %s |\n", FormatSeconds(m.CustomerImpact),
		plural(len(x.ImpactWindows), "1 impact window", fmt.Sprintf("%d impact windows", len(x.ImpactWindows))))
	b.WriteString(x.probeClockRows())
	b.WriteString("\n")

	b.WriteString("## Findings\n\n")
	for _, f := range x.Findings() {
		fmt.Fprintf(&b, "- %s **%s.** %s\n", findingIcon(f.Level), f.Title, mdEscape(f.Detail))
		for _, it := range f.Items {
			fmt.Fprintf(&b, "  - %s\n", mdEscape(it))
		}
	}

	b.WriteString("\n## Impact windows\n\n| # | from | to | length | ended by |\n|---|---|---|---|---|\n")
	for i, w := range x.ImpactWindows {
		ended := "mitigation"
		if i == len(x.ImpactWindows)-1 && inc.Impact == incident.ImpactOngoing {
			ended = "still ongoing (counted to now)"
			if x.ResolvedAt != nil {
				ended = "resolution, never mitigated"
			}
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", i+1, fmtTime(&w.Start), fmtTime(w.End),
			FormatSeconds(secs(w.Start, *w.End)), ended)
	}

	x.changesMarkdown(&b)
	b.WriteString("\n## Actions run\n\n")
	if len(x.Analysis.Actions) == 0 {
		b.WriteString("No mitigation action was run through Tourniquet.\n")
	} else {
		b.WriteString("| at | action | kind | by | outcome | phase |\n|---|---|---|---|---|---|\n")
		for _, a := range x.Analysis.Actions {
			kind := a.Kind
			if kind == "" {
				kind = "—"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", a.FirstAt.Format(LayoutShort), mdEscape(a.Action), mdEscape(kind),
				mdEscape(a.By.Display()), a.Outcome, a.Phase)
		}
	}

	b.WriteString("\n## Decisions\n\n")
	if len(x.Analysis.FailForward) == 0 {
		b.WriteString("No fail-forward decision was recorded.\n")
	}
	for _, d := range x.Analysis.FailForward {
		fmt.Fprintf(&b, "- %s (%s) fail-forward by %s: %s — impact went on for %s after the decision",
			d.At.Format(LayoutShort), offset(x.ImpactStartedAt, d.At), mdEscape(d.By.Display()), mdEscape(d.Reason), FormatSeconds(d.ImpactAfter))
		if dl := deadlineText(d); dl != "" {
			b.WriteString("; " + dl)
		}
		b.WriteString("\n")
	}

	b.WriteString("\n## Timeline\n\n| time (UTC) | T+ | phase | event | who | source | details |\n|---|---|---|---|---|---|---|\n")
	// The rows are most of a long report: appended directly rather than
	// through fmt, with each kind's label worked out once.
	labels := map[incident.Kind]string{}
	var buf []byte
	for _, ev := range x.Events {
		label, ok := labels[ev.Kind]
		if !ok {
			label = KindLabel(ev.Kind)
			labels[ev.Kind] = label
		}
		buf = append(buf[:0], "| "...)
		buf = ev.At.AppendFormat(buf, time.DateTime)
		buf = append(buf, " | "...)
		buf = AppendOffset(buf, x.ImpactStartedAt, ev.At)
		buf = append(buf, " | "...)
		buf = append(buf, ev.Phase...)
		buf = append(buf, " | "...)
		buf = append(buf, label...)
		buf = append(buf, " | "...)
		buf = append(buf, mdEscape(ev.Actor.Display())...)
		buf = append(buf, " | "...)
		buf = append(buf, ev.Source...)
		buf = append(buf, " | "...)
		buf = append(buf, mdEscape(ev.Text)...)
		buf = append(buf, " |\n"...)
		b.Write(buf)
	}

	b.WriteString("\n## Follow-ups\n\n")
	for _, f := range x.FollowUps() {
		fmt.Fprintf(&b, "- [ ] %s\n", f)
	}
	return b.String()
}
