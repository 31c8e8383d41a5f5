package timeline

import (
	"fmt"
	"sort"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Metrics are the export's "metrics": the incident's own (DESIGN §3) and
// what the impact probes add (DESIGN §8), in whole seconds.
type Metrics struct {
	incident.Metrics
	// TimeToVerifiedMitigation runs from impact start to the first
	// mitigation the probes verified (mitigation_verified); nil when none
	// was.
	TimeToVerifiedMitigation *int64 `json:"time_to_verified_mitigation"`
	// ProbeImpact is how long, within the incident's window (impact start
	// to resolution or now), at least one probe saw customer impact; nil
	// when no probe reported on the incident.
	ProbeImpact *int64 `json:"probe_impact"`
}

// ProbeView is what the impact probes saw of one incident, from its
// events: the report's probe facts.
type ProbeView struct {
	// VerifiedAt is the first mitigation_verified.
	VerifiedAt *time.Time
	// Impact is ProbeImpact; nil with no probe event.
	Impact *int64
	// FirstBreach is the earliest start of a breach a probe reported, and
	// Probe its name: before the declaration, customers were hurt before
	// anyone declared.
	FirstBreach *time.Time
	Probe       string
	// Overruled are the times people said a probe was wrong.
	Overruled []time.Time
}

// probeView reads the probes' events of an incident as of end (its
// resolution or now).
func probeView(inc *incident.Incident, evs []Event, end time.Time) ProbeView {
	var v ProbeView
	type span struct{ from, to time.Time }
	var spans []span
	open := map[string]time.Time{} // probe → start of the impact it sees
	seen := false
	for _, ev := range evs {
		probe, _ := ev.Data["probe"].(string)
		switch ev.Kind {
		case incident.KindMitigationVerified:
			if v.VerifiedAt == nil {
				at := ev.At
				v.VerifiedAt = &at
			}
		case incident.KindProbeOverruled:
			v.Overruled = append(v.Overruled, ev.At)
		case incident.KindProbeImpacting:
			seen = true
			from := ev.At
			if s, ok := ev.Data["breach_since"].(string); ok {
				if t, err := time.Parse(time.RFC3339Nano, s); err == nil && t.Before(from) {
					from = t
				}
			}
			if _, ok := open[probe]; !ok {
				open[probe] = from
			}
			if v.FirstBreach == nil || from.Before(*v.FirstBreach) {
				f := from
				v.FirstBreach, v.Probe = &f, dataString(ev.Data, "name", "probe")
			}
		case incident.KindProbeClear, incident.KindProbeUnknown:
			seen = true
			if from, ok := open[probe]; ok {
				spans = append(spans, span{from, ev.At})
				delete(open, probe)
			}
		}
	}
	if !seen {
		return v
	}
	for _, from := range open {
		spans = append(spans, span{from, end})
	}
	// The union of the spans, clamped to the incident's window.
	sort.Slice(spans, func(i, j int) bool { return spans[i].from.Before(spans[j].from) })
	var total time.Duration
	var cur *span
	for _, s := range spans {
		if s.from.Before(inc.ImpactStartedAt) {
			s.from = inc.ImpactStartedAt
		}
		if s.to.After(end) {
			s.to = end
		}
		if !s.to.After(s.from) {
			continue
		}
		switch {
		case cur == nil:
			c := s
			cur = &c
		case !s.from.After(cur.to):
			if s.to.After(cur.to) {
				cur.to = s.to
			}
		default:
			total += cur.to.Sub(cur.from)
			c := s
			cur = &c
		}
	}
	if cur != nil {
		total += cur.to.Sub(cur.from)
	}
	secs := int64(total / time.Second)
	v.Impact = &secs
	return v
}

// probeFindings point out what the probes saw that people did not say: a
// mitigation claimed but never verified, and impact before the
// declaration.
func (x Export) probeFindings() []Finding {
	var out []Finding
	v := x.Probes
	if x.MitigatedAt != nil && x.MitigationVerifiedAt == nil && v.Impact != nil {
		f := Finding{Level: LevelWarn, Title: "Mitigation claimed but not verified",
			Detail: fmt.Sprintf("Impact was marked mitigated at %s, but the probes never stayed clear for their hold afterwards.", shortAt(*x.MitigatedAt))}
		for _, at := range v.Overruled {
			f.Items = append(f.Items, "a probe was overruled at "+shortAt(at))
		}
		out = append(out, f)
	}
	if x.MitigatedAt != nil && x.MitigationVerifiedAt != nil {
		out = append(out, Finding{Level: LevelGood, Title: "Mitigation verified by the probes",
			Detail: fmt.Sprintf("Claimed at %s, verified at %s: %s later.", shortAt(*x.MitigatedAt), shortAt(*x.MitigationVerifiedAt),
				FormatSeconds(secs(*x.MitigatedAt, *x.MitigationVerifiedAt)))})
	}
	if v.FirstBreach != nil && v.FirstBreach.Before(x.DeclaredAt.Add(-time.Minute)) {
		out = append(out, Finding{Level: LevelWarn, Title: "Impact seen before the declaration",
			Detail: fmt.Sprintf("Probe %s saw the breach begin at %s: customers were hurt %s before anyone declared.",
				v.Probe, shortAt(*v.FirstBreach), FormatSeconds(secs(*v.FirstBreach, x.DeclaredAt)))})
	}
	return out
}

// ProbeSeries is one probe's samples over the incident, for the chart.
type ProbeSeries struct {
	Probe string
	// Name, Unit and the threshold (Above or Below) come from the probe's
	// events.
	Name   string
	Unit   string
	Above  *float64
	Below  *float64
	Points []ProbePoint
}

// ProbePoint is one sample: a value (nil when the probe could not tell)
// and the probe's status then.
type ProbePoint struct {
	At     time.Time
	Value  *float64
	Status string
}

// WithProbeSeries returns x with the probes' samples (by probe ID) for the
// chart, each named and thresholded as the probe's events say.
func (x Export) WithProbeSeries(samples map[string][]ProbePoint) Export {
	ids := make([]string, 0, len(samples))
	for id := range samples {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	x.ProbeSeries = nil
	for _, id := range ids {
		s := ProbeSeries{Probe: id, Name: id, Points: samples[id]}
		for _, ev := range x.Events {
			if p, _ := ev.Data["probe"].(string); p != id {
				continue
			}
			if ev.Kind != incident.KindProbeImpacting && ev.Kind != incident.KindProbeClear && ev.Kind != incident.KindProbeUnknown {
				continue
			}
			s.Name, s.Unit = dataString(ev.Data, "name", "probe"), dataString(ev.Data, "unit")
			if t, ok := ev.Data["threshold"].(map[string]any); ok {
				s.Above, s.Below = number(t["above"]), number(t["below"])
			}
			break
		}
		x.ProbeSeries = append(x.ProbeSeries, s)
	}
	return x
}

// number is a JSON number from event data, nil for anything else.
func number(v any) *float64 {
	switch n := v.(type) {
	case float64:
		return &n
	case int:
		f := float64(n)
		return &f
	case int64:
		f := float64(n)
		return &f
	}
	return nil
}

// Verification is the across-incidents view of claimed against verified
// mitigation: how often the probes confirmed what people said, and how
// long after.
type Verification struct {
	// Claimed counts incidents marked mitigated; Watched those of them a
	// probe reported on; Verified those whose mitigation the probes
	// verified.
	Claimed, Watched, Verified int
	// MedianGap and P90Gap are the time from the first claimed mitigation
	// to the verification, over Verified (nil when none).
	MedianGap, P90Gap *int64
}

// VerificationOf aggregates the claimed-versus-verified gap of exports.
func VerificationOf(xs []Export) Verification {
	var v Verification
	var gaps []int64
	for _, x := range xs {
		if x.MitigatedAt == nil {
			continue
		}
		v.Claimed++
		if x.Probes.Impact == nil && x.MitigationVerifiedAt == nil {
			continue
		}
		v.Watched++
		if x.MitigationVerifiedAt != nil {
			v.Verified++
			gaps = append(gaps, max(secs(*x.MitigatedAt, *x.MitigationVerifiedAt), 0))
		}
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	v.MedianGap, v.P90Gap = median(gaps), percentile(gaps, 90)
	return v
}

// probeClockRows are the Markdown report's rows of what the probes
// measured, none when no probe watched the incident.
func (x Export) probeClockRows() string {
	m := x.Metrics
	if m.ProbeImpact == nil && x.MitigationVerifiedAt == nil {
		return ""
	}
	verified := "never verified"
	if x.MitigationVerifiedAt != nil {
		verified = fmtTime(x.MitigationVerifiedAt)
	}
	impact := "—"
	if m.ProbeImpact != nil {
		impact = FormatSeconds(*m.ProbeImpact)
	}
	return fmt.Sprintf("| Time to verified mitigation | %s | %s |\n| Impact the probes saw | %s | in the incident's window |\n",
		FormatClock(m.TimeToVerifiedMitigation), verified, impact)
}
