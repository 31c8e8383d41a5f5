package timeline

import (
	"math"
	"slices"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Stats are the numbers of a group of incidents (a month, a severity).
type Stats struct {
	// Label names the group: "2026-03", "sev1", "all".
	Label     string
	Incidents int
	// Mitigated and Diagnosed count the incidents whose clock stopped;
	// the medians and p90s are over those only (nil when none).
	Mitigated, Diagnosed int
	MedianTTM, P90TTM    *int64
	MedianTTD, P90TTD    *int64
	// MitigatedFirst counts incidents mitigated before (or as) they were
	// diagnosed, among Both that have both clocks stopped.
	MitigatedFirst, Both int
	// CustomerImpact is the total, in seconds.
	CustomerImpact int64
}

// MitigatedFirstShare is MitigatedFirst/Both, nil when Both is 0.
func (s Stats) MitigatedFirstShare() *float64 {
	if s.Both == 0 {
		return nil
	}
	v := float64(s.MitigatedFirst) / float64(s.Both)
	return &v
}

// median is the middle value (the mean of the two middle ones for an even
// count) of sorted values.
func median(sorted []int64) *int64 {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	m := sorted[n/2]
	if n%2 == 0 {
		m = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return &m
}

// percentile is the nearest-rank p-th percentile of sorted values.
func percentile(sorted []int64, p float64) *int64 {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	v := sorted[rank-1]
	return &v
}

// statsOf computes the stats of incs as of now.
func statsOf(label string, incs []*incident.Incident, now time.Time) Stats {
	s := Stats{Label: label, Incidents: len(incs)}
	var ttm, ttd []int64
	for _, inc := range incs {
		m := inc.ComputeMetrics(now)
		if m.TimeToMitigate != nil {
			ttm = append(ttm, *m.TimeToMitigate)
		}
		if m.TimeToDiagnose != nil {
			ttd = append(ttd, *m.TimeToDiagnose)
		}
		if m.MitigatedBeforeDiagnosed != nil {
			s.Both++
			if *m.MitigatedBeforeDiagnosed {
				s.MitigatedFirst++
			}
		}
		s.CustomerImpact += m.CustomerImpact
	}
	slices.Sort(ttm)
	slices.Sort(ttd)
	s.Mitigated, s.Diagnosed = len(ttm), len(ttd)
	s.MedianTTM, s.P90TTM = median(ttm), percentile(ttm, 90)
	s.MedianTTD, s.P90TTD = median(ttd), percentile(ttd, 90)
	return s
}

// Report is the across-incidents report: per month and per severity.
type Report struct {
	From, To   time.Time // declared_at range: From inclusive, To exclusive
	Total      Stats
	ByMonth    []Stats // every month of the range, oldest first
	BySeverity []Stats // sev1..sev4
}

// BuildReport groups incidents declared in [from, to) by the month (UTC)
// of their declaration and by severity.
func BuildReport(incs []*incident.Incident, from, to, now time.Time) Report {
	r := Report{From: from, To: to, Total: statsOf("all", incs, now)}
	byMonth := map[string][]*incident.Incident{}
	bySev := map[incident.Severity][]*incident.Incident{}
	for _, inc := range incs {
		k := inc.DeclaredAt.UTC().Format("2006-01")
		byMonth[k] = append(byMonth[k], inc)
		bySev[inc.Severity] = append(bySev[inc.Severity], inc)
	}
	for m := MonthStart(from); m.Before(to); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		r.ByMonth = append(r.ByMonth, statsOf(k, byMonth[k], now))
	}
	for _, sev := range incident.Severities {
		r.BySeverity = append(r.BySeverity, statsOf(string(sev), bySev[sev], now))
	}
	return r
}

// MonthStart is the first instant of t's month in UTC: where the report's
// months begin.
func MonthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
