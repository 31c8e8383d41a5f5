package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// TestProbeChartAndAPI: the incident page draws the probe's samples with
// its threshold, and the API's timeline has the verified mitigation.
func TestProbeChartAndAPI(t *testing.T) {
	s := storagetest.NewSQLite(t)
	hm := timelinetest.HM
	sc := timelinetest.Declare(t, hm(14, 0), incident.Sev1, "Checkout errors")
	data := func(v float64) map[string]any {
		return map[string]any{"probe": "checkout-errors", "name": "checkout error ratio", "unit": "ratio", "value": v,
			"threshold": map[string]any{"above": 0.02}}
	}
	sc.Raw(hm(14, 1), incident.KindProbeImpacting, incident.System, "", incident.SourceProbe, data(0.38))
	sc.Do(sc.Incident.Mitigate(hm(14, 10), timelinetest.Alice, "rolled back"))
	sc.Raw(hm(14, 11), incident.KindProbeClear, incident.System, "", incident.SourceProbe, data(0.001))
	sc.Raw(hm(14, 16), incident.KindMitigationVerified, incident.System, "verified", incident.SourceProbe, nil)
	key := put(t, s, sc)
	inc, err := s.GetIncidentByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		v := 0.38
		st := storage.ProbeImpacting
		if i >= 10 {
			v, st = 0.001, storage.ProbeClear
		}
		if i == 5 {
			if err := s.AddProbeSample(context.Background(), storage.ProbeSample{IncidentID: inc.ID, ProbeID: "checkout-errors",
				At: hm(14, 0).Add(time.Duration(i) * time.Minute), Status: storage.ProbeUnknown}, 100); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := s.AddProbeSample(context.Background(), storage.ProbeSample{IncidentID: inc.ID, ProbeID: "checkout-errors",
			At: hm(14, 0).Add(time.Duration(i) * time.Minute), Value: &v, Status: st}, 100); err != nil {
			t.Fatal(err)
		}
	}
	site, err := New(Options{Store: s, Clock: clock.NewFake(hm(15, 0)), Access: secured(), Listen: "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	site.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := &webFixture{t: t, srv: srv}

	r := f.get("/incidents/"+key, bearerHdr(testToken)...)
	if r.status != http.StatusOK {
		t.Fatalf("page: %d", r.status)
	}
	for _, want := range []string{`<svg class="probe-chart"`, `data-probe="checkout-errors"`, `class="probe-threshold"`,
		`<title>Threshold above 2%</title>`, `class="probe-line" d="M`, `class="probe-impacting"`, `class="probe-unknown"`,
		`<title>Probe checkout error ratio</title>`, "Mitigation verified by the probes"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The line has a gap where the probe could not tell.
	if i := strings.Index(r.body, `class="probe-line" d="`); i < 0 || strings.Count(r.body[i:i+2000], "M") < 2 {
		t.Error("the probe line does not break at the unknown sample")
	}

	api := f.get("/api/v1/incidents/"+key+"/timeline", bearerHdr(testToken)...)
	var doc map[string]any
	if err := json.Unmarshal([]byte(api.body), &doc); err != nil {
		t.Fatalf("%d %s", api.status, api.body)
	}
	m := doc["metrics"].(map[string]any)
	if doc["mitigation_verified_at"] != "2026-03-02T14:16:00Z" || m["time_to_verified_mitigation"] != float64(16*60) || m["probe_impact"] != float64(10*60) {
		t.Errorf("api: verified %v, metrics %v", doc["mitigation_verified_at"], m)
	}

	rep := f.get("/reports?from=2026-03&to=2026-03", bearerHdr(testToken)...)
	i := strings.Index(rep.body, `id="verification"`)
	if rep.status != http.StatusOK || i < 0 || !strings.Contains(rep.body[i:], "1 of 1 probe-watched mitigations verified") ||
		!strings.Contains(rep.body[i:i+300], ">6m<") {
		t.Errorf("report's claimed → verified: %d %s", rep.status, rep.body[max(i, 0):min(max(i, 0)+400, len(rep.body))])
	}
}
