package web

import (
	"context"
	"html/template"
	"math"
	"strconv"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline"
)

// ProbeSampleLister is what the incident page reads the probes' samples
// with; a store that has none draws no probe chart.
type ProbeSampleLister interface {
	ListProbeSamples(ctx context.Context, incidentID int64) ([]storage.ProbeSample, error)
}

// withProbeSamples adds the probes' samples of the incident to x, for the
// chart, when the store keeps them.
func withProbeSamples(ctx context.Context, store any, incidentID int64, x timeline.Export) (timeline.Export, error) {
	l, ok := store.(ProbeSampleLister)
	if !ok {
		return x, nil
	}
	samples, err := l.ListProbeSamples(ctx, incidentID)
	if err != nil || len(samples) == 0 {
		return x, err
	}
	by := map[string][]timeline.ProbePoint{}
	for _, s := range samples {
		by[s.ProbeID] = append(by[s.ProbeID], timeline.ProbePoint{At: s.At, Value: s.Value, Status: string(s.Status)})
	}
	return x.WithProbeSeries(by), nil
}

// The probe chart's geometry: one lane per probe, under the timeline's
// axis.
const (
	probeLaneH   = 56.0
	probeLaneGap = 10.0
)

// ProbeChart draws each probe's samples on the incident chart's time
// axis, one lane per probe: the value as a line, the threshold dashed,
// samples where the probe saw impact in red and unknown ones as grey
// marks. It is empty when no probe reported.
func ProbeChart(x timeline.Export) template.HTML {
	if len(x.ProbeSeries) == 0 {
		return ""
	}
	ax := chartAxis(x)
	h := float64(len(x.ProbeSeries))*(probeLaneH+probeLaneGap) + 8
	var w svgWriter
	w.f(`<svg class="probe-chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="Impact probes of %s" xmlns="http://www.w3.org/2000/svg">`,
		chartW, h, esc(x.Incident.Key))
	for i, s := range x.ProbeSeries {
		y0 := 4 + float64(i)*(probeLaneH+probeLaneGap)
		w.f(`<g class="probe" data-probe="%s">`, esc(s.Probe))
		w.f(`<rect class="lane" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, plotX0, y0, plotX1-plotX0, probeLaneH)
		w.f(`<text class="lane-label" x="%.1f" y="%.1f">%s<title>Probe %s</title></text>`, plotX0-10, y0+probeLaneH/2+4,
			esc(clipLabel(s.Name)), esc(s.Name))
		lo, hi := probeRange(s)
		yOf := func(v float64) float64 {
			f := (v - lo) / (hi - lo)
			return y0 + probeLaneH - 4 - f*(probeLaneH-8)
		}
		if t := threshold(s); t != nil {
			w.f(`<line class="probe-threshold" x1="%.1f" y1="%.2f" x2="%.1f" y2="%.2f"><title>Threshold %s</title></line>`,
				plotX0, yOf(*t), plotX1, yOf(*t), esc(thresholdLabel(s)))
		}
		var path []byte
		for _, p := range s.Points {
			if !ax.contains(p.At) {
				continue
			}
			xx := ax.x(p.At)
			if p.Value == nil {
				w.f(`<line class="probe-unknown" x1="%.2f" y1="%.1f" x2="%.2f" y2="%.1f"><title>%s unknown</title></line>`,
					xx, y0+4, xx, y0+probeLaneH-4, shortAt(p.At))
				path = append(path, ' ') // a gap in the line
				continue
			}
			cmd := byte('L')
			if len(path) == 0 || path[len(path)-1] == ' ' {
				cmd = 'M'
			}
			path = append(path, cmd)
			path = strconv.AppendFloat(path, xx, 'f', 2, 64)
			path = append(path, ' ')
			path = strconv.AppendFloat(path, yOf(*p.Value), 'f', 2, 64)
			if p.Status == "impacting" {
				w.f(`<circle class="probe-impacting" cx="%.2f" cy="%.2f" r="2"><title>%s %s impacting</title></circle>`,
					xx, yOf(*p.Value), shortAt(p.At), esc(strconv.FormatFloat(*p.Value, 'g', 4, 64)))
			}
		}
		if len(path) > 0 {
			w.f(`<path class="probe-line" d="%s"/>`, esc(string(path)))
		}
		w.f(`</g>`)
	}
	w.f(`</svg>`)
	return template.HTML(w.String()) // every text above went through esc or is ours
}

// probeRange is the value range a lane shows: the samples and the
// threshold, with a little room.
func probeRange(s timeline.ProbeSeries) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range s.Points {
		if p.Value != nil {
			lo, hi = min(lo, *p.Value), max(hi, *p.Value)
		}
	}
	if t := threshold(s); t != nil {
		lo, hi = min(lo, *t), max(hi, *t)
	}
	if math.IsInf(lo, 0) {
		return 0, 1
	}
	lo = min(lo, 0)
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi + (hi-lo)*0.05
}

func threshold(s timeline.ProbeSeries) *float64 {
	if s.Above != nil {
		return s.Above
	}
	return s.Below
}

func thresholdLabel(s timeline.ProbeSeries) string {
	t := threshold(s)
	if t == nil {
		return ""
	}
	v := strconv.FormatFloat(*t, 'g', 4, 64)
	if s.Unit == "ratio" {
		v = strconv.FormatFloat(*t*100, 'g', 4, 64) + "%"
	}
	if s.Above != nil {
		return "above " + v
	}
	return "below " + v
}

// clipLabel keeps a lane label within the label column.
func clipLabel(s string) string {
	r := []rune(s)
	if len(r) > 18 {
		return string(r[:17]) + "…"
	}
	return s
}

// probeSamples adds the probes' samples of x's incident, for the page.
func (w *Site) probeSamples(ctx context.Context, x timeline.Export) (timeline.Export, error) {
	id, err := incidentIDOf(x.Incident.Key)
	if err != nil {
		return x, nil
	}
	return withProbeSamples(ctx, w.o.Store, id, x)
}

func incidentIDOf(key string) (int64, error) { return incident.ParseKey(key) }
