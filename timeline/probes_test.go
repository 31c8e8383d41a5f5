package timeline

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// probeEvent is a probe's state change as the probe worker records it.
func probeEvent(s *timelinetest.Scenario, at time.Time, kind incident.Kind, value float64, since *time.Time) {
	data := map[string]any{"probe": "checkout-errors", "name": "checkout error ratio", "unit": "ratio",
		"value": value, "threshold": map[string]any{"above": 0.02}}
	if since != nil {
		data["breach_since"] = since.Format(time.RFC3339Nano)
	}
	s.Raw(at, kind, incident.System, "", incident.SourceProbe, data)
}

// TestProbeMetricsAndFindings: the probe saw impact from 13:46, 14
// minutes before the declaration at 14:00; "mitigated" at 14:10 was
// claimed while it still did; it cleared at 14:20; a second "mitigated"
// at 14:21 was verified at 14:26.
func TestProbeMetricsAndFindings(t *testing.T) {
	hm := timelinetest.HM
	s := timelinetest.Declare(t, hm(14, 0), incident.Sev1, "Checkout errors")
	since := hm(13, 46)
	probeEvent(s, hm(14, 1), incident.KindProbeImpacting, 0.38, &since)
	s.Do(s.Incident.Mitigate(hm(14, 10), timelinetest.Alice, "rolled back"))
	s.Do(s.Incident.Regress(hm(14, 12), timelinetest.Bob, "probe still sees it"))
	probeEvent(s, hm(14, 20), incident.KindProbeClear, 0.001, nil)
	s.Do(s.Incident.Mitigate(hm(14, 21), timelinetest.Alice, "flag off"))
	s.Raw(hm(14, 26), incident.KindMitigationVerified, incident.System, "every probe stayed clear for 5m", incident.SourceProbe,
		map[string]any{"probes": []any{"checkout-errors"}})
	x := Build(s.Incident, s.Events, hm(15, 0))

	if x.MitigationVerifiedAt == nil || !x.MitigationVerifiedAt.Equal(hm(14, 26)) {
		t.Errorf("mitigation_verified_at = %v", x.MitigationVerifiedAt)
	}
	wantSecs(t, "time_to_verified_mitigation", x.Metrics.TimeToVerifiedMitigation, mins(26)) // impact start 14:00
	// Within the window from 14:00: 14:00 → 14:20.
	wantSecs(t, "probe_impact", x.Metrics.ProbeImpact, mins(20))

	b, err := x.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	m := doc["metrics"].(map[string]any)
	if m["time_to_verified_mitigation"] != float64(mins(26)) || m["probe_impact"] != float64(mins(20)) || m["customer_impact"] == nil {
		t.Errorf("metrics JSON = %v", m)
	}
	if doc["mitigation_verified_at"] != "2026-03-02T14:26:00Z" {
		t.Errorf("mitigation_verified_at JSON = %v", doc["mitigation_verified_at"])
	}

	var titles []string
	for _, f := range x.Findings() {
		titles = append(titles, f.Title+": "+f.Detail)
	}
	all := strings.Join(titles, "\n")
	for _, want := range []string{
		"Impact seen before the declaration: Probe checkout error ratio saw the breach begin at 13:46 UTC: customers were hurt 14m before anyone declared.",
		"Mitigation verified by the probes",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("findings lack %q:\n%s", want, all)
		}
	}
}

// TestProbeUnverifiedMitigation: a mitigation the probes never verified is
// pointed out; an incident no probe watched has null probe metrics.
func TestProbeUnverifiedMitigation(t *testing.T) {
	hm := timelinetest.HM
	s := timelinetest.Declare(t, hm(14, 0), incident.Sev2, "Slow search")
	probeEvent(s, hm(14, 1), incident.KindProbeImpacting, 0.3, nil)
	s.Do(s.Incident.Mitigate(hm(14, 10), timelinetest.Alice, "restarted"))
	s.Raw(hm(14, 11), incident.KindProbeOverruled, timelinetest.Bob, "the probe is wrong", incident.SourceButton, map[string]any{"probe": "checkout-errors"})
	x := Build(s.Incident, s.Events, hm(14, 30))
	if x.MitigationVerifiedAt != nil || x.Metrics.TimeToVerifiedMitigation != nil {
		t.Errorf("verified = %v / %v", x.MitigationVerifiedAt, x.Metrics.TimeToVerifiedMitigation)
	}
	wantSecs(t, "probe_impact", x.Metrics.ProbeImpact, mins(29)) // 14:01 → now, still impacting
	var found bool
	for _, f := range x.Findings() {
		if f.Title == "Mitigation claimed but not verified" && len(f.Items) == 1 && strings.Contains(f.Items[0], "overruled at 14:11 UTC") {
			found = true
		}
	}
	if !found {
		t.Errorf("no unverified-mitigation finding: %+v", x.Findings())
	}

	plain := Build(timelinetest.Textbook(t).Incident, timelinetest.Textbook(t).Events, hm(18, 0))
	if plain.Metrics.ProbeImpact != nil || plain.MitigationVerifiedAt != nil {
		t.Errorf("an incident no probe watched has probe_impact %v", *plain.Metrics.ProbeImpact)
	}
	for _, f := range plain.Findings() {
		if strings.Contains(f.Title, "verified") || strings.Contains(f.Title, "before the declaration") {
			t.Errorf("probe finding without probes: %s", f.Title)
		}
	}
}

// TestVerificationAggregate: the report's claimed-versus-verified gap
// counts only incidents a probe watched, and its median and p90 are over
// the verified ones.
func TestVerificationAggregate(t *testing.T) {
	hm := timelinetest.HM
	var xs []Export
	for i, gap := range []int{5, 10, 20, -1} { // -1: never verified
		s := timelinetest.Declare(t, hm(10+i, 0), incident.Sev2, "x")
		probeEvent(s, hm(10+i, 1), incident.KindProbeImpacting, 0.3, nil)
		s.Do(s.Incident.Mitigate(hm(10+i, 10), timelinetest.Alice, ""))
		if gap >= 0 {
			s.Raw(hm(10+i, 10+gap), incident.KindMitigationVerified, incident.System, "", incident.SourceProbe, nil)
		}
		xs = append(xs, Build(s.Incident, s.Events, hm(18, 0)))
	}
	xs = append(xs, Build(timelinetest.Textbook(t).Incident, timelinetest.Textbook(t).Events, hm(18, 0)))
	v := VerificationOf(xs)
	if v.Claimed != 5 || v.Watched != 4 || v.Verified != 3 {
		t.Errorf("claimed %d watched %d verified %d, want 5 4 3", v.Claimed, v.Watched, v.Verified)
	}
	wantSecs(t, "median gap", v.MedianGap, mins(10))
	wantSecs(t, "p90 gap", v.P90Gap, mins(20))
}

// TestProbeMarkdownRows: the Markdown report's clocks table adds what the
// probes measured, and only when a probe watched the incident.
func TestProbeMarkdownRows(t *testing.T) {
	hm := timelinetest.HM
	s := timelinetest.Declare(t, hm(14, 0), incident.Sev1, "Checkout errors")
	probeEvent(s, hm(14, 1), incident.KindProbeImpacting, 0.38, nil)
	s.Do(s.Incident.Mitigate(hm(14, 10), timelinetest.Alice, "rolled back"))
	probeEvent(s, hm(14, 11), incident.KindProbeClear, 0.001, nil)
	s.Raw(hm(14, 16), incident.KindMitigationVerified, incident.System, "", incident.SourceProbe, nil)
	md := Build(s.Incident, s.Events, hm(15, 0)).Markdown()
	for _, want := range []string{"| Time to verified mitigation | 16m | 2026-03-02 14:16:00 UTC |", "| Impact the probes saw | 10m |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if plain := Build(timelinetest.Textbook(t).Incident, timelinetest.Textbook(t).Events, hm(18, 0)).Markdown(); strings.Contains(plain, "probes saw") {
		t.Error("a report without probes has probe rows")
	}
}
