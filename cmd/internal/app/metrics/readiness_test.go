package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func TestReadinessGauges(t *testing.T) {
	m := metrics.New()
	m.WatchReadiness(func(context.Context) (metrics.ReadinessGauges, error) {
		return metrics.ReadinessGauges{Scores: map[string]int{"checkout": 60, "search": 45},
			Preflights: []metrics.PreflightGauge{{Action: "kill", Integration: "flags", OK: true}, {Action: "rollback", Integration: "deploy"}}}, nil
	})
	want := `
# HELP tourniquet_readiness_score Mitigation readiness score of each service, 0 to 100 (docs/readiness.md).
# TYPE tourniquet_readiness_score gauge
tourniquet_readiness_score{service="checkout"} 60
tourniquet_readiness_score{service="search"} 45
# HELP tourniquet_preflight_ok 1 when the latest read-only preflight of an action's integration passed, 0 when it failed or could not check.
# TYPE tourniquet_preflight_ok gauge
tourniquet_preflight_ok{action="kill",integration="flags"} 1
tourniquet_preflight_ok{action="rollback",integration="deploy"} 0
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "tourniquet_readiness_score", "tourniquet_preflight_ok"); err != nil {
		t.Error(err)
	}
}

// TestDrillsAreNotOpenIncidents: a drill is left out of the open
// incidents gauge.
func TestDrillsAreNotOpenIncidents(t *testing.T) {
	s := storagetest.NewSQLite(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	who := incident.Actor{Platform: "slack", ID: "U1"}
	for _, title := range []string{"real", "DRILL: checkout"} {
		inc, _, _ := incident.Declare(t0, who, incident.Sev3, title)
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		if title != "real" {
			if err := s.CreateDrill(ctx, storage.Drill{IncidentID: inc.ID, Service: "checkout", StartedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	m := metrics.New()
	m.WatchStore(s, func() time.Time { return t0 })
	got, err := testutil.GatherAndCount(m.Registry, "tourniquet_open_incidents")
	if err != nil || got == 0 {
		t.Fatalf("%d series, %v", got, err)
	}
	mfs, _ := m.Registry.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "tourniquet_open_incidents" {
			continue
		}
		total := 0.0
		for _, mt := range mf.GetMetric() {
			total += mt.GetGauge().GetValue()
		}
		if total != 1 {
			t.Errorf("%v open incidents counted, want 1 (the drill left out)", total)
		}
	}
}
