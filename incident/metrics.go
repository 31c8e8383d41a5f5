package incident

import "time"

// Metrics are an incident's numbers, in whole seconds from impact start.
// A nil field is a point not reached yet.
type Metrics struct {
	TimeToMitigate           *int64 `json:"time_to_mitigate"`
	TimeToDiagnose           *int64 `json:"time_to_diagnose"`
	TimeToResolve            *int64 `json:"time_to_resolve"`
	CustomerImpact           int64  `json:"customer_impact"`
	Regressions              int    `json:"regressions"`
	MitigatedBeforeDiagnosed *bool  `json:"mitigated_before_diagnosed"`
}

func since(start time.Time, t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	s := int64(t.Sub(start) / time.Second)
	return &s
}

// ImpactWindows returns the incident's impact windows with every open one
// closed at the resolution, or at now for an open incident.
func (i *Incident) ImpactWindows(now time.Time) []Window {
	end := now
	if i.ResolvedAt != nil {
		end = *i.ResolvedAt
	}
	ws := i.Windows
	if len(ws) == 0 {
		ws = []Window{{Start: i.ImpactStartedAt, End: i.MitigatedAt}}
	}
	out := make([]Window, 0, len(ws))
	for _, w := range ws {
		if w.End == nil || w.End.After(end) {
			e := end
			w.End = &e
		}
		if w.End.Before(w.Start) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// ComputeMetrics returns the incident's metrics as of now (DESIGN §3).
func (i *Incident) ComputeMetrics(now time.Time) Metrics {
	m := Metrics{
		TimeToMitigate: since(i.ImpactStartedAt, i.MitigatedAt),
		TimeToDiagnose: since(i.ImpactStartedAt, i.DiagnosedAt),
		TimeToResolve:  since(i.ImpactStartedAt, i.ResolvedAt),
	}
	if n := len(i.Windows); n > 1 {
		m.Regressions = n - 1
	}
	var total time.Duration
	for _, w := range i.ImpactWindows(now) {
		total += w.End.Sub(w.Start)
	}
	m.CustomerImpact = int64(total / time.Second)
	if i.MitigatedAt != nil && i.DiagnosedAt != nil {
		b := !i.MitigatedAt.After(*i.DiagnosedAt)
		m.MitigatedBeforeDiagnosed = &b
	}
	return m
}
