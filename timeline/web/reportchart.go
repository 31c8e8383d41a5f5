package web

import (
	"fmt"
	"html/template"
	"time"

	"github.com/tourniquet/tourniquet/timeline"
)

// bar is one bar of a grouped bar chart: a median drawn solid over its
// p90 drawn pale, or a single value.
type bar struct {
	class string
	value *int64
	p90   *int64
	title string
}

type barGroup struct {
	label string
	sub   string // a second label line (n, share)
	bars  []bar
}

const (
	bcH      = 280.0
	bcX0     = 70.0
	bcTop    = 16.0
	bcBottom = 232.0
)

// durationScale picks a round top for the y axis and its step.
func durationScale(maxV int64) (top, step int64) {
	if maxV <= 0 {
		return 3600, 900
	}
	for _, s := range niceSteps {
		st := int64(s / time.Second)
		if maxV/st < 5 {
			n := (maxV + st - 1) / st
			if n*st == maxV {
				n++
			}
			return max(n, 1) * st, st
		}
	}
	st := int64(niceSteps[len(niceSteps)-1] / time.Second)
	return (maxV/st + 1) * st, st
}

// barChart draws groups of bars on a duration y axis, width units wide
// (the text stays 12 units high, so a narrow chart in a narrow column
// keeps readable labels).
func barChart(id, title string, width float64, groups []barGroup) template.HTML {
	bcX1 := width - 10
	var maxV int64
	for _, g := range groups {
		for _, b := range g.bars {
			for _, v := range []*int64{b.value, b.p90} {
				if v != nil && *v > maxV {
					maxV = *v
				}
			}
		}
	}
	top, step := durationScale(maxV)
	y := func(v int64) float64 { return bcBottom - float64(v)/float64(top)*(bcBottom-bcTop) }
	var w svgWriter
	w.f(`<svg class="report-chart" id="%s" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		esc(id), width, bcH, esc(title))
	w.f(`<title>%s</title>`, esc(title))
	for v := int64(0); v <= top; v += step {
		w.f(`<line class="grid" x1="%.1f" y1="%.2f" x2="%.1f" y2="%.2f"/>`, bcX0, y(v), bcX1, y(v))
		w.f(`<text class="axis-label y" x="%.1f" y="%.2f">%s</text>`, bcX0-8, y(v)+4, timeline.FormatSeconds(v))
	}
	w.f(`<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, bcX0, bcBottom, bcX1, bcBottom)
	if len(groups) == 0 {
		w.f(`</svg>`)
		return template.HTML(w.String())
	}
	gw := (bcX1 - bcX0) / float64(len(groups))
	for gi, g := range groups {
		gx := bcX0 + float64(gi)*gw
		nb := float64(len(g.bars))
		bw := min(gw*0.72/nb, 46)
		x0 := gx + (gw-bw*nb)/2
		for bi, b := range g.bars {
			bx := x0 + float64(bi)*bw
			if b.p90 != nil {
				w.f(`<rect class="bar %s p90" x="%.2f" y="%.2f" width="%.2f" height="%.2f"><title>%s p90 %s</title></rect>`,
					b.class, bx+1, y(*b.p90), bw-2, bcBottom-y(*b.p90), esc(b.title), timeline.FormatSeconds(*b.p90))
			}
			if b.value == nil {
				w.f(`<text class="bar-none" x="%.2f" y="%.2f">–</text>`, bx+bw/2, bcBottom-4)
				continue
			}
			inset := 1.0
			if b.p90 != nil {
				inset = bw * 0.2
			}
			w.f(`<rect class="bar %s" x="%.2f" y="%.2f" width="%.2f" height="%.2f"><title>%s %s</title></rect>`,
				b.class, bx+inset, y(*b.value), bw-2*inset, max(bcBottom-y(*b.value), 0.5), esc(b.title), timeline.FormatSeconds(*b.value))
			if b.p90 == nil && len(groups) <= 24 {
				w.f(`<text class="bar-value" x="%.2f" y="%.2f">%s</text>`, bx+bw/2, y(*b.value)-4, timeline.FormatSeconds(*b.value))
			}
		}
		w.f(`<text class="group-label" x="%.2f" y="%.1f">%s</text>`, gx+gw/2, bcBottom+17, esc(g.label))
		if g.sub != "" {
			w.f(`<text class="group-sub" x="%.2f" y="%.1f">%s</text>`, gx+gw/2, bcBottom+32, esc(g.sub))
		}
	}
	w.f(`</svg>`)
	return template.HTML(w.String())
}

func monthLabel(label string) string {
	t, err := time.Parse("2006-01", label)
	if err != nil {
		return label
	}
	return t.Format("Jan 2006")
}

// shareText is the share of incidents mitigated first, for under a bar.
func shareText(s timeline.Stats) string {
	if p := s.MitigatedFirstShare(); p != nil {
		return fmt.Sprintf("%.0f%% first", *p*100)
	}
	return "–"
}

// clocksChart compares median and p90 time to mitigate with time to
// diagnose for each group.
func clocksChart(id, title string, width float64, stats []timeline.Stats, label func(string) string) template.HTML {
	var gs []barGroup
	for _, s := range stats {
		gs = append(gs, barGroup{label: label(s.Label), sub: fmt.Sprintf("n=%d", s.Incidents), bars: []bar{
			{class: "ttm", value: s.MedianTTM, p90: s.P90TTM, title: label(s.Label) + " time to mitigate: median"},
			{class: "ttd", value: s.MedianTTD, p90: s.P90TTD, title: label(s.Label) + " time to diagnose: median"},
		}})
	}
	return barChart(id, title, width, gs)
}

// impactChart shows total customer impact per group, with the share of
// incidents mitigated before they were diagnosed.
func impactChart(id, title string, width float64, stats []timeline.Stats, label func(string) string) template.HTML {
	var gs []barGroup
	for _, s := range stats {
		v := s.CustomerImpact
		gs = append(gs, barGroup{label: label(s.Label), sub: shareText(s), bars: []bar{
			{class: "ci", value: &v, title: label(s.Label) + " customer impact"},
		}})
	}
	return barChart(id, title, width, gs)
}
