package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline"
)

type incidentView struct {
	page
	X             timeline.Export
	SeverityLabel string
	StateClass    string
	StateLabel    string
	Declared      string
	MarkdownURL   string
	Live          bool

	Impact, ImpactSub string
	TTM, TTMSub       string
	TTD, TTDSub       string
	Verdict           string
	VerdictClass      string

	Chart template.HTML
	// ProbeChart draws the impact probes' series (probechart.go).
	ProbeChart template.HTML
	// Summary's paragraphs, their `code spans` as code.
	Summary  []template.HTML
	Findings []timeline.Finding
	// Changes tell each change near the impact, change → undo → effect.
	Changes []string
	Actions template.HTML
	Events  template.HTML

	Truncated   bool
	Shown       int
	TotalEvents int

	// FollowUps are the incident's follow-ups and their tickets.
	FollowUps followUpsView
	// Show is the events' filter (?show=); Filters its links.
	Show    string
	Filters []filterLink
}

// filterLink is one link of the events' filter.
type filterLink struct {
	Label, URL string
	Current    bool
}

// stateOf describes the incident's state for the list and the page.
func stateOf(impact incident.Impact, state incident.State) (class, label string) {
	switch {
	case state == incident.StateResolved:
		return "resolved", "Resolved"
	case impact == incident.ImpactOngoing:
		return "ongoing", "Open · impact ongoing"
	default:
		return "mitigated", "Open · mitigated"
	}
}

func phaseClass(p timeline.Phase) string { return strings.ReplaceAll(string(p), " ", "-") }

func (w *Site) incidentView(g grant, x timeline.Export, now time.Time, show string) incidentView {
	inc := x.Incident
	m := x.Metrics
	v := incidentView{
		Show:          show,
		page:          w.newPage(g, inc.Key+": "+inc.Title, "incidents", now),
		X:             x,
		SeverityLabel: strings.ToUpper(string(inc.Severity)),
		Declared:      x.DeclaredAt.Format("2006-01-02 15:04 UTC"),
		MarkdownURL:   withQuery("/incidents/"+url.PathEscape(inc.Key)+"/report.md", g.linkQuery),
		Live:          inc.State == incident.StateOpen && inc.Impact == incident.ImpactOngoing,
		Chart:         IncidentChart(x),
		ProbeChart:    ProbeChart(x),
		Findings:      x.Findings(),
		Changes:       x.ChangeLines(),
	}
	v.StateClass, v.StateLabel = stateOf(inc.Impact, inc.State)

	v.Impact = timeline.FormatSeconds(m.CustomerImpact)
	v.ImpactSub = fmt.Sprintf("%s · %s", plural(len(x.ImpactWindows), "1 impact window", fmt.Sprintf("%d impact windows", len(x.ImpactWindows))),
		plural(m.Regressions, "1 regression", fmt.Sprintf("%d regressions", m.Regressions)))
	if v.Live {
		v.ImpactSub = "and counting · " + v.ImpactSub
	}
	v.TTM, v.TTMSub = timeline.FormatClock(m.TimeToMitigate), "impact "+shortAt(x.ImpactStartedAt)+" → mitigated "+timeOr(x.MitigatedAt, "")
	if x.MitigatedAt == nil {
		v.TTM, v.TTMSub = "not yet", "impact ongoing since "+shortAt(x.ImpactStartedAt)
		if inc.State == incident.StateResolved {
			v.TTM, v.TTMSub = "never", "resolved without a mitigation"
		}
	}
	v.TTD, v.TTDSub = timeline.FormatClock(m.TimeToDiagnose), "cause identified "+timeOr(x.DiagnosedAt, "")
	if x.DiagnosedAt == nil {
		v.TTD, v.TTDSub = "not yet", "cause unknown"
		if inc.State == incident.StateResolved {
			v.TTD, v.TTDSub = "never", "cause never recorded"
		}
	}
	switch {
	case x.MitigatedAt != nil && x.DiagnosedAt != nil && !x.Analysis.DiagnosedBeforeMitigated:
		v.VerdictClass = "good"
		v.Verdict = fmt.Sprintf("Mitigation came first: the bleeding stopped %s before the cause was identified.",
			timeline.FormatSeconds(secs(*x.MitigatedAt, *x.DiagnosedAt)))
	case x.Analysis.DiagnosedBeforeMitigated && x.MitigatedAt != nil:
		v.VerdictClass = "warn"
		v.Verdict = fmt.Sprintf("Diagnosis came first: customers stayed impacted %s after the cause was known.",
			timeline.FormatSeconds(secs(*x.DiagnosedAt, *x.MitigatedAt)))
	case x.Analysis.DiagnosedBeforeMitigated:
		v.VerdictClass = "warn"
		v.Verdict = "The cause was identified, but impact was never marked mitigated."
	case x.MitigatedAt != nil:
		v.VerdictClass = "good"
		v.Verdict = "Impact is mitigated; the cause is not identified yet. Diagnose with less pressure."
		if inc.State == incident.StateResolved {
			v.VerdictClass, v.Verdict = "info", "Impact was mitigated; the cause was never recorded as identified."
		}
	case inc.State == incident.StateResolved:
		v.VerdictClass, v.Verdict = "warn", "Resolved without impact ever being marked mitigated."
	default:
		v.VerdictClass, v.Verdict = "warn", "Customers are still impacted. Is customer impact mitigated? Stop the bleeding first; diagnose after."
	}

	for _, p := range strings.Split(timeline.TemplateSummary(timeline.FactsOf(x, nil)), "\n\n") {
		v.Summary = append(v.Summary, codeHTML(p))
	}
	v.Actions = actionsHTML(x)
	for _, f := range eventFilters {
		q, _ := url.ParseQuery(g.linkQuery)
		if f.Value != ShowAll {
			q.Set("show", f.Value)
		}
		u := "/incidents/" + url.PathEscape(inc.Key)
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		v.Filters = append(v.Filters, filterLink{Label: f.Label, URL: u + "#h-events", Current: f.Value == show})
	}
	// The event table is written into the page as it is sent
	// (writeIncident); the template only marks its place.
	v.Events, v.Shown = eventsMark, len(shownEvents(x, w.o.MaxEvents, v.Show))
	v.TotalEvents = len(filterEvents(x.Events, v.Show))
	v.Truncated = v.Shown < v.TotalEvents
	return v
}

// eventsMark is where the incident template puts the event table. It
// cannot come from anything else on the page: every other text there is
// escaped, and escaping turns its "<" into "&lt;".
const eventsMark template.HTML = "<!--tourniquet:events-->"

// splitAtEvents cuts the rendered incident page at eventsMark; ok is false
// unless the mark is there exactly once.
func splitAtEvents(page []byte) (head, tail []byte, ok bool) {
	head, tail, ok = bytes.Cut(page, []byte(eventsMark))
	return head, tail, ok && !bytes.Contains(tail, []byte(eventsMark))
}

// streamIncident writes the incident page to dst: head, the event table
// streamed as it is rendered, tail (splitAtEvents).
func (w *Site) streamIncident(dst io.Writer, head, tail []byte, x timeline.Export, show string) error {
	if _, err := dst.Write(head); err != nil {
		return err
	}
	ew := htmlWriter{sink: dst}
	writeEvents(&ew, x, w.o.MaxEvents, show)
	if ew.err != nil {
		return ew.err
	}
	_, err := dst.Write(tail)
	return err
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return shortAt(*t)
}
