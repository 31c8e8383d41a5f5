package app

import (
	"context"
	"fmt"
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

// TestStartCheckins: the wired scheduler sweeps on its own, its answer
// command works, metrics count, and stop returns once it has stopped.
func TestStartCheckins(t *testing.T) {
	ctx := context.Background()
	store := storagetest.NewSQLite(t)
	clk := clock.NewFake(time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC))
	cfg := config.Default()
	cfg.Checkins.Cadence.Sev1 = "@every 10s"
	m := metrics.New()
	f, err := newFeatures(cfg, store, clk, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	engine := bottest.NewEngine(t, EngineOptions(cfg, f, nil))
	stop := StartCheckins(ctx, f.checkins, engine)
	defer stop()
	me := incident.Actor{Platform: "console", ID: "ann", Name: "ann"}
	ch := incident.ChannelRef{Platform: "console", ChannelID: "war-room"}
	r, err := engine.Handle(ctx, bot.Invocation{Channel: ch, Actor: me, Text: "/incident declare here sev1 DB down"})
	if err != nil || r.Error {
		t.Fatalf("declare: %+v %v", r, err)
	}
	clk.Advance(10 * time.Second)
	inc, err := store.GetIncidentByKey(ctx, r.IncidentKey)
	if err != nil {
		t.Fatal(err)
	}
	var fire any
	for deadline := time.Now().Add(15 * time.Second); fire == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		evs, err := store.ListEvents(ctx, inc.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Kind == incident.KindCheckinSent {
				fire = e.Data["checkin"]
			}
		}
	}
	if fire == nil {
		t.Fatal("the wired sweeper sent no check-in")
	}
	r, err = engine.Handle(ctx, bot.Invocation{Channel: ch, Actor: me, Text: fmt.Sprintf("answer %v yes", fire), Source: incident.SourceButton})
	if err != nil || r.Error {
		t.Fatalf("answer: %+v %v", r, err)
	}
	if got, _ := store.GetIncident(ctx, inc.ID); got.Impact != incident.ImpactMitigated {
		t.Fatalf("answering yes left impact %s", got.Impact)
	}
	if v := testutil.ToFloat64(m.CheckinsSent); v != 1 {
		t.Errorf("checkins_sent = %v, want 1", v)
	}
	if v := testutil.ToFloat64(m.CheckinsAnswered.WithLabelValues("yes")); v != 1 {
		t.Errorf("checkins_answered{yes} = %v, want 1", v)
	}
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not return")
	}
}

func TestCheckinsBadConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Checkins.Cadence.Sev2 = "every so often"
	if _, err := newFeatures(cfg, storagetest.NewSQLite(t), clock.Real{}, nil, nil); err == nil || !strings.Contains(err.Error(), "checkins.cadence.sev2") {
		t.Fatalf("err = %v, want the bad key named", err)
	}
}
