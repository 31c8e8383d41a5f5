package web

import (
	"html/template"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline"
)

// Event filters of the incident page (?show=…): who or what an event
// comes from.
const (
	ShowAll     = ""
	ShowPeople  = "people"
	ShowBot     = "bot"
	ShowActions = "actions"
	ShowProbes  = "probes"
)

// eventFilters are the filter links, in order.
var eventFilters = []struct{ Value, Label string }{
	{ShowAll, "All"}, {ShowPeople, "People"}, {ShowBot, "Bot"}, {ShowActions, "Actions"}, {ShowProbes, "Probes"},
}

// parseShow reads ?show=; anything else is all.
func parseShow(s string) string {
	for _, f := range eventFilters {
		if s == f.Value {
			return s
		}
	}
	return ShowAll
}

// eventClass is which filter an event belongs to: the actions' steps,
// the probes' verdicts, what the bot did by itself (check-ins, system
// events), or what people typed and clicked.
func eventClass(ev timeline.Event) string {
	switch {
	case ev.IsAction():
		return ShowActions
	case strings.HasPrefix(string(ev.Kind), "probe_") || ev.Kind == "mitigation_verified":
		return ShowProbes
	case ev.Actor.Platform == incident.PlatformSystem || ev.Kind == incident.KindCheckinSent || ev.Kind == incident.KindCheckinEscalated:
		return ShowBot
	}
	return ShowPeople
}

// filterEvents keeps the events of filter show.
func filterEvents(evs []timeline.Event, show string) []timeline.Event {
	if show == ShowAll {
		return evs
	}
	out := make([]timeline.Event, 0, len(evs))
	for _, ev := range evs {
		if eventClass(ev) == show {
			out = append(out, ev)
		}
	}
	return out
}

// phaseSpan is the stretch of time a phase heading covers: the impact
// window (impact start or regression → mitigation) for "during impact",
// the mitigation until the next regression or the resolution for "after
// mitigation", not just its first and last events.
func phaseSpan(x timeline.Export, ph timeline.Phase, first, last time.Time) (time.Time, time.Time) {
	end := x.GeneratedAt
	if x.ResolvedAt != nil {
		end = *x.ResolvedAt
	}
	switch ph {
	case timeline.PhaseDuringImpact:
		for _, w := range x.ImpactWindows {
			wEnd := end
			if w.End != nil {
				wEnd = *w.End
			}
			if !first.Before(w.Start) && !first.After(wEnd) {
				return w.Start, wEnd
			}
		}
	case timeline.PhaseAfterMitigation:
		from, to := first, end
		for _, w := range x.ImpactWindows {
			if w.End != nil && !w.End.After(first) {
				from = *w.End
			}
			if w.Start.After(first) && w.Start.Before(to) {
				to = w.Start
			}
		}
		return from, to
	case timeline.PhaseBeforeImpact:
		return first, x.ImpactStartedAt
	case timeline.PhaseAfterResolution:
		if x.ResolvedAt != nil {
			return *x.ResolvedAt, last
		}
	}
	return first, last
}

// humanText is an event's text as the page shows it: a text that is only
// a timestamp (the impact start moved to it) reads as a time, not as
// RFC 3339.
func humanText(ev timeline.Event) string {
	s := strings.TrimSpace(ev.Text)
	// RFC 3339 starts with a four-digit year and is at least as long as
	// this: most texts are not timestamps, and a failed time.Parse builds
	// an error for each of thousands of rows.
	if len(s) < len("2006-01-02T15:04:05Z") || s[0] < '0' || s[0] > '9' {
		return ev.Text
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return ev.Text
	}
	t = t.UTC()
	if y, m, d := t.Date(); y == ev.At.UTC().Year() && m == ev.At.UTC().Month() && d == ev.At.UTC().Day() {
		return "to " + t.Format("15:04:05 UTC")
	}
	return "to " + t.Format("Jan 2 15:04:05 UTC")
}

// codeText writes s with its `code spans` as <code>, the rest as text:
// what people type in chat reads as it did there, and nothing in it is
// markup (the span's content is escaped like any text).
func (w *htmlWriter) codeText(s string) {
	for {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '`')
		if j <= 0 {
			break
		}
		w.text(s[:i])
		w.raw("<code>")
		w.text(s[i+1 : i+1+j])
		w.raw("</code>")
		s = s[i+1+j+1:]
	}
	w.text(s)
}

// checkinRun is how many check-in questions in a row start at evs[0]
// (asked, nobody answering in between): they are shown as one row.
func checkinRun(evs []timeline.Event) int {
	n := 0
	for n < len(evs) && evs[n].Kind == incident.KindCheckinSent {
		n++
	}
	return n
}

// codeHTML is s as HTML: text, its `code spans` as <code>.
func codeHTML(s string) template.HTML {
	var w htmlWriter
	w.codeText(s)
	return template.HTML(w.b.String()) // escaped by codeText
}
