package timeline

import (
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

func TestBuildReportStats(t *testing.T) {
	mk := func(declared time.Time, sev incident.Severity, ttm, ttd time.Duration) *incident.Incident {
		inc, _, _ := incident.Declare(declared, timelinetest.Alice, sev, "x")
		if ttm > 0 {
			inc.Mitigate(declared.Add(ttm), timelinetest.Alice, "")
		}
		if ttd > 0 {
			inc.Diagnose(declared.Add(ttd), timelinetest.Alice, "c")
		}
		inc.Resolve(declared.Add(5*time.Hour), timelinetest.Alice, "")
		return inc
	}
	jan := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	feb := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	incs := []*incident.Incident{
		mk(jan, incident.Sev1, 10*time.Minute, 60*time.Minute),
		mk(jan, incident.Sev1, 20*time.Minute, 30*time.Minute),
		mk(jan, incident.Sev2, 30*time.Minute, 10*time.Minute),
		mk(jan, incident.Sev2, 40*time.Minute, 0),
		mk(feb, incident.Sev1, 0, 20*time.Minute),
	}
	r := BuildReport(incs, MonthStart(jan).AddDate(0, -1, 0), MonthStart(feb).AddDate(0, 1, 0), feb)
	if len(r.ByMonth) != 3 || r.ByMonth[0].Incidents != 0 || r.ByMonth[1].Incidents != 4 || r.ByMonth[2].Incidents != 1 {
		t.Fatalf("months %+v", r.ByMonth)
	}
	j := r.ByMonth[1]
	if *j.MedianTTM != 25*60 || *j.P90TTM != 40*60 || *j.MedianTTD != 30*60 || *j.P90TTD != 60*60 {
		t.Errorf("jan: median ttm %d p90 %d median ttd %d p90 %d", *j.MedianTTM, *j.P90TTM, *j.MedianTTD, *j.P90TTD)
	}
	if j.Both != 3 || j.MitigatedFirst != 2 {
		t.Errorf("jan: %d of %d mitigated first, want 2 of 3", j.MitigatedFirst, j.Both)
	}
	if j.CustomerImpact != (10+20+30+40)*60 {
		t.Errorf("jan impact %d", j.CustomerImpact)
	}
	if f := r.ByMonth[2]; f.MedianTTM != nil || f.CustomerImpact != 5*3600 || f.MitigatedFirstShare() != nil {
		t.Errorf("feb: never mitigated, impact to resolution: %+v", f)
	}
	if s1 := r.BySeverity[0]; s1.Incidents != 3 || *s1.MedianTTM != 15*60 {
		t.Errorf("sev1 %+v", s1)
	}
}
