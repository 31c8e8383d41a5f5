package web

import (
	"fmt"
	"html"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/words"
	"github.com/tourniquet/tourniquet/timeline"
)

// The incident chart's geometry, in viewBox units.
const (
	chartW      = 1000.0
	plotX0      = 132.0
	plotX1      = 984.0
	laneImpactY = 40.0
	laneImpactH = 34.0
	laneCauseY  = 84.0
	laneCauseH  = 16.0
	laneActY    = 112.0
	laneActH    = 22.0
	laneChkY    = 144.0
	laneChkH    = 22.0
	axisY       = 176.0
	chartH      = 200.0
)

type timeAxis struct {
	start, end time.Time
}

func (a timeAxis) x(t time.Time) float64 {
	span := a.end.Sub(a.start).Seconds()
	f := t.Sub(a.start).Seconds() / span
	f = min(max(f, 0), 1)
	return plotX0 + f*(plotX1-plotX0)
}

func (a timeAxis) contains(t time.Time) bool { return !t.Before(a.start) && !t.After(a.end) }

// niceSteps are the tick intervals the axis may use.
var niceSteps = []time.Duration{
	10 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour,
}

func (a timeAxis) ticks() (step time.Duration, ts []time.Time) {
	span := a.end.Sub(a.start)
	step = niceSteps[len(niceSteps)-1]
	for _, s := range niceSteps {
		if span/s <= 8 {
			step = s
			break
		}
	}
	for t := a.start.Truncate(step); !t.After(a.end); t = t.Add(step) {
		if !t.Before(a.start) {
			ts = append(ts, t)
		}
	}
	return step, ts
}

// svgWriter accumulates SVG with escaping done once, here.
type svgWriter struct{ strings.Builder }

func (w *svgWriter) f(format string, args ...any) { fmt.Fprintf(&w.Builder, format, args...) }

func esc(s string) string { return html.EscapeString(s) }

// marker is a vertical line across the lanes with a label on top.
type marker struct {
	x     float64
	class string
	label string
	title string
}

// tick is a short mark in a lane; ticks of one class on the same spot
// (two viewBox units apart at most) merge into one, so that ten thousand events
// draw at most a few thousand marks.
type tick struct {
	x     float64
	y, h  float64
	class string
	title string
	n     int
}

type tickKey struct {
	class string
	x     int
}

type ticks struct {
	m     map[tickKey]*tick
	order []*tick
}

// add records a tick; title is called only for the first tick of a spot.
func (ts *ticks) add(x, y, h float64, class string, title func() string) {
	k := tickKey{class, int(x/2 + 0.5)}
	if t, ok := ts.m[k]; ok {
		t.n++
		return
	}
	t := &tick{x: x, y: y, h: h, class: class, title: title(), n: 1}
	ts.m[k] = t
	ts.order = append(ts.order, t)
}

func actionTickClass(ev timeline.Event) string {
	if ev.ActionKind() == timeline.InstrumentationKind {
		return "tick-instrumentation"
	}
	switch ev.Kind {
	case incident.KindActionSucceeded:
		return "tick-ok"
	case incident.KindActionFailed, incident.KindActionDenied:
		return "tick-fail"
	case incident.KindActionUnknown:
		return "tick-unknown"
	case incident.KindActionStarted:
		return "tick-started"
	}
	return "tick-minor"
}

func checkinTickClass(ev timeline.Event) string {
	switch ev.Kind {
	case incident.KindCheckinSent:
		return "tick-minor"
	case incident.KindCheckinEscalated:
		return "tick-fail"
	}
	switch strings.ToLower(ev.Answer()) {
	case "yes":
		return "tick-ok"
	case "partial":
		return "tick-unknown"
	case "no":
		return "tick-fail"
	}
	switch strings.ToLower(ev.Text) {
	case "yes":
		return "tick-ok"
	case "partial":
		return "tick-unknown"
	}
	return "tick-fail"
}

// chartAxis is the chart's time range: impact start (or the first event)
// to the resolution, or to the time of the export for an open incident.
func chartAxis(x timeline.Export) timeAxis {
	start := x.ImpactStartedAt
	if len(x.Events) > 0 && x.Events[0].At.Before(start) {
		start = x.Events[0].At
	}
	end := x.GeneratedAt
	if x.ResolvedAt != nil {
		end = *x.ResolvedAt
	}
	if min := start.Add(time.Minute); end.Before(min) {
		end = min
	}
	// A little room after the last mark.
	end = end.Add(end.Sub(start) / 50)
	return timeAxis{start: start, end: end}
}

// IncidentChart draws the incident on a time axis as SVG: impact windows
// red, mitigated stretches green, the cause lane grey until diagnosed and
// blue after, markers for the declaration, the first mitigation, the
// diagnosis and the resolution, and ticks for actions and check-ins.
func IncidentChart(x timeline.Export) template.HTML {
	ax := chartAxis(x)
	var w svgWriter
	w.f(`<svg class="timeline-chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH)
	w.f(`<title id="chart-title">Timeline of %s</title>`, esc(x.Incident.Key))
	w.f(`<desc id="chart-desc">Customer impact %s in %s; time to mitigate %s; time to diagnose %s.</desc>`,
		timeline.FormatSeconds(x.Metrics.CustomerImpact), words.Count(len(x.ImpactWindows), "window", "windows"), timeline.FormatClock(x.Metrics.TimeToMitigate), timeline.FormatClock(x.Metrics.TimeToDiagnose))

	// Lane backgrounds and labels.
	lanes := []struct {
		y, h  float64
		label string
	}{{laneImpactY, laneImpactH, "Customer impact"}, {laneCauseY, laneCauseH, "Cause"}, {laneActY, laneActH, "Actions"}, {laneChkY, laneChkH, "Check-ins"}}
	for _, l := range lanes {
		w.f(`<rect class="lane" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, plotX0, l.y, plotX1-plotX0, l.h)
		w.f(`<text class="lane-label" x="%.1f" y="%.1f">%s</text>`, plotX0-10, l.y+l.h/2+4, l.label)
	}

	// Axis.
	step, ts := ax.ticks()
	w.f(`<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, plotX0, axisY, plotX1, axisY)
	prevDay := ""
	for _, t := range ts {
		xx := ax.x(t)
		w.f(`<line class="grid" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, xx, laneImpactY, xx, axisY+4)
		label := t.Format("15:04")
		if step < time.Minute {
			label = t.Format("15:04:05")
		}
		if d := t.Format("Jan 2"); d != prevDay && (step >= 24*time.Hour || prevDay != "") {
			label = d + " " + label
			if step >= 24*time.Hour {
				label = d
			}
		}
		prevDay = t.Format("Jan 2")
		w.f(`<text class="axis-label" x="%.1f" y="%.1f">%s</text>`, xx, axisY+17, esc(label))
	}

	// Impact lane: red windows, green stretches between them.
	lastEnd := (*time.Time)(nil)
	for i, win := range x.ImpactWindows {
		if lastEnd != nil && win.Start.After(*lastEnd) {
			mitigatedRect(&w, ax, *lastEnd, win.Start)
		}
		x0, x1 := ax.x(win.Start), ax.x(*win.End)
		w.f(`<rect class="impact" data-window="%d" x="%.2f" y="%.1f" width="%.2f" height="%.1f"><title>Impact %s–%s (%s)</title></rect>`,
			i+1, x0, laneImpactY, max(x1-x0, 1.5), laneImpactH, shortAt(win.Start), shortAt(*win.End), timeline.FormatSeconds(secs(win.Start, *win.End)))
		lastEnd = win.End
	}
	if lastEnd != nil && x.Incident.Impact == incident.ImpactMitigated {
		end := ax.end
		if x.ResolvedAt != nil {
			end = *x.ResolvedAt
		}
		if end.After(*lastEnd) {
			mitigatedRect(&w, ax, *lastEnd, end)
		}
	}

	// Cause lane.
	causeEnd := ax.end
	if x.ResolvedAt != nil {
		causeEnd = *x.ResolvedAt
	}
	if x.DiagnosedAt != nil {
		w.f(`<rect class="cause-unknown" x="%.2f" y="%.1f" width="%.2f" height="%.1f"><title>Cause unknown for %s</title></rect>`,
			plotX0, laneCauseY, ax.x(*x.DiagnosedAt)-plotX0, laneCauseH, timeline.FormatClock(x.Metrics.TimeToDiagnose))
		w.f(`<rect class="cause-known" x="%.2f" y="%.1f" width="%.2f" height="%.1f"><title>Cause identified at %s</title></rect>`,
			ax.x(*x.DiagnosedAt), laneCauseY, max(ax.x(causeEnd)-ax.x(*x.DiagnosedAt), 1.5), laneCauseH, shortAt(*x.DiagnosedAt))
	} else {
		w.f(`<rect class="cause-unknown" x="%.2f" y="%.1f" width="%.2f" height="%.1f"><title>Cause not identified</title></rect>`,
			plotX0, laneCauseY, ax.x(causeEnd)-plotX0, laneCauseH)
	}

	// Ticks for actions and check-ins; decisions on the impact lane.
	tks := ticks{m: map[tickKey]*tick{}}
	for _, ev := range x.Events {
		if !ax.contains(ev.At) {
			continue
		}
		xx := ax.x(ev.At)
		switch {
		case ev.IsAction():
			tks.add(xx, laneActY, laneActH, actionTickClass(ev), func() string {
				return shortAt(ev.At) + " " + timeline.KindLabel(ev.Kind) + ": " + ev.Action()
			})
		case ev.Kind == incident.KindCheckinSent || ev.Kind == incident.KindCheckinAnswered || ev.Kind == incident.KindCheckinEscalated:
			tks.add(xx, laneChkY, laneChkH, checkinTickClass(ev), func() string {
				title := shortAt(ev.At) + " " + timeline.KindLabel(ev.Kind)
				if ev.Kind == incident.KindCheckinAnswered {
					title += ": " + ev.Text
				}
				return title
			})
		case ev.Kind == incident.KindFailForward:
			w.f(`<path class="failforward" d="M%.2f %.1f l6 7 l-6 7 l-6 -7 z"><title>%s fail-forward: %s</title></path>`,
				xx, laneImpactY-7, shortAt(ev.At), esc(ev.Text))
		}
	}
	var num []byte
	for _, t := range tks.order {
		title := t.title
		if t.n > 1 {
			title += " (and " + strconv.Itoa(t.n-1) + " more here)"
		}
		num = strconv.AppendFloat(num[:0], t.x, 'f', 2, 64)
		x := string(num)
		w.WriteString(`<line class="tick ` + t.class + `" x1="` + x + `" y1="` + strconv.FormatFloat(t.y+3, 'f', 1, 64) +
			`" x2="` + x + `" y2="` + strconv.FormatFloat(t.y+t.h-3, 'f', 1, 64) + `"><title>` + esc(title) + `</title></line>`)
	}

	// Markers, labels staggered so that they do not overlap.
	var ms []marker
	ms = append(ms, marker{x: ax.x(x.DeclaredAt), class: "marker-declared", label: "Declared", title: "Declared " + shortAt(x.DeclaredAt)})
	if x.MitigatedAt != nil {
		ms = append(ms, marker{x: ax.x(*x.MitigatedAt), class: "marker-mitigated", label: "Mitigated " + timeline.FormatClock(x.Metrics.TimeToMitigate),
			title: "First mitigated " + shortAt(*x.MitigatedAt)})
	}
	if x.DiagnosedAt != nil {
		ms = append(ms, marker{x: ax.x(*x.DiagnosedAt), class: "marker-diagnosis", label: "Diagnosed " + timeline.FormatClock(x.Metrics.TimeToDiagnose),
			title: "Cause identified " + shortAt(*x.DiagnosedAt)})
	}
	if x.ResolvedAt != nil {
		ms = append(ms, marker{x: ax.x(*x.ResolvedAt), class: "marker-resolution", label: "Resolved", title: "Resolved " + shortAt(*x.ResolvedAt)})
	} else {
		ms = append(ms, marker{x: ax.x(x.GeneratedAt), class: "marker-now", label: "Now", title: "Now " + shortAt(x.GeneratedAt)})
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].x < ms[j].x })
	xs, ys := placeLabels(ms)
	for i, m := range ms {
		lx, y := xs[i], ys[i]
		w.f(`<g class="marker %s"><line x1="%.2f" y1="%.1f" x2="%.2f" y2="%.1f"/><text x="%.2f" y="%.1f" text-anchor="start">%s</text><title>%s</title></g>`,
			m.class, m.x, y+3, m.x, axisY, lx, y, esc(m.label), esc(m.title))
	}
	w.f(`</svg>`)
	return template.HTML(w.String()) // every text above went through esc or is ours
}

func mitigatedRect(w *svgWriter, ax timeAxis, from, to time.Time) {
	x0, x1 := ax.x(from), ax.x(to)
	w.f(`<rect class="mitigated" x="%.2f" y="%.1f" width="%.2f" height="%.1f"><title>Mitigated %s–%s</title></rect>`,
		x0, laneImpactY+laneImpactH/4, max(x1-x0, 1), laneImpactH/2, shortAt(from), shortAt(to))
}
