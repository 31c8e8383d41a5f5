package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestStartProbes: a configured probe is wired in — its worker evaluates
// on its own, its line is on the card (the panel), and its evaluations are
// counted on /metrics.
func TestStartProbes(t *testing.T) {
	ctx := context.Background()
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[%d,"0.25"]}]}}`, time.Now().Unix())
	}))
	defer prom.Close()
	store := storagetest.NewSQLite(t)
	cfg := config.Default()
	above := 0.02
	cfg.Probes = []config.Probe{{ID: "checkout-errors", Name: "checkout error ratio", Service: "checkout", Type: config.ProbePrometheus,
		URL: prom.URL, Query: "x", ImpactingWhen: config.Threshold{Above: &above}, Unit: config.UnitRatio,
		Interval: time.Second, VerifyHold: time.Minute, Lookback: -1, Timeout: 5 * time.Second}}
	m := metrics.New()
	f, err := newFeatures(cfg, store, clock.Real{}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	engine := bottest.NewEngine(t, EngineOptions(cfg, f, nil))
	stop := StartProbes(ctx, f.probes, engine)
	defer stop()
	me := incident.Actor{Platform: "console", ID: "ann", Name: "ann"}
	ch := incident.ChannelRef{Platform: "console", ChannelID: "war-room"}
	r, err := engine.Handle(ctx, bot.Invocation{Channel: ch, Actor: me, Text: "/incident declare here sev1 Checkout errors"})
	if err != nil || r.Error {
		t.Fatalf("declare: %+v %v", r, err)
	}
	if r, err := engine.Handle(ctx, bot.Invocation{Channel: ch, Actor: me, Text: "/incident services checkout"}); err != nil || r.Error {
		t.Fatalf("services: %+v %v", r, err)
	}
	inc, _ := store.GetIncidentByKey(ctx, r.IncidentKey)
	deadline := time.Now().Add(15 * time.Second)
	for testutil.CollectAndCount(m.Registry, "tourniquet_probe_evaluations_total") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no probe evaluation counted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	evs, _ := store.ListEvents(ctx, inc.ID, 0, 0)
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Kind))
	}
	if !strings.Contains(strings.Join(kinds, " "), "probe_impacting") {
		t.Errorf("events %v lack probe_impacting", kinds)
	}
	status, err := engine.Handle(ctx, bot.Invocation{Channel: ch, Actor: me, Text: "/incident status"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status.Message.PlainText()+fmt.Sprint(status.Message.Blocks), "checkout error ratio 25%") {
		t.Errorf("the card lacks the probe's line: %+v", status.Message.Blocks)
	}
}
