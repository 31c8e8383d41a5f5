package probe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/probe"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestReplicasEvaluateOnce: three replicas sweeping one store at the same
// moments query Prometheus once per probe per interval and record each
// state change once.
func TestReplicasEvaluateOnce(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		f := newFakeProm(t, token)
		f.setValue(0.5)
		clk := clock.NewFake(t0)
		p := promProbe(f.srv.URL)
		p.For, p.Lookback = 0, -1
		var hs []*harness
		for range 3 {
			hs = append(hs, newHarness(t, s, clk, p))
		}
		var keys []string
		for range 4 {
			inc, _ := hs[0].declare("declare sev2 Checkout errors", "checkout")
			keys = append(keys, inc.Key)
		}
		for round := range 3 {
			before := f.queries.Load()
			var wg sync.WaitGroup
			var committed atomic.Int64
			for _, h := range hs {
				wg.Go(func() {
					n, err := h.worker.Sweep(context.Background())
					if err != nil {
						t.Error(err)
					}
					committed.Add(int64(n))
				})
			}
			wg.Wait()
			if got := f.queries.Load() - before; got != 4 {
				t.Errorf("round %d: %d queries for 4 incidents", round, got)
			}
			if committed.Load() != 4 {
				t.Errorf("round %d: %d results committed, want 4", round, committed.Load())
			}
			clk.Advance(p.Interval)
		}
		for _, k := range keys {
			if got := kinds(hs[0].eventsOf(k, incident.KindProbeImpacting, incident.KindProbeClear, incident.KindProbeUnknown)); got != "probe_impacting/probe" {
				t.Errorf("%s: probe events %s, want one probe_impacting", k, got)
			}
		}
	})
}

// TestUnknownIsShownAndNeverDelaysTheCheckin: with Prometheus down the
// probe is unknown, says why without the token, and the check-in still
// asks its question on time, with the probe's line under it.
func TestUnknownIsShownAndNeverDelaysTheCheckin(t *testing.T) {
	s := storagetest.NewSQLite(t)
	clk := clock.NewFake(t0)
	f := newFakeProm(t, token)
	f.setAnswer(func(time.Time) (string, int) {
		return `{"status":"error","errorType":"unavailable","error":"overloaded, token ` + token + `"}`, 503
	})
	p := promProbe(f.srv.URL)
	h := newHarness(t, s, clk, p)
	sched, err := checkin.New(config.Checkins{Cadence: config.Cadence{Sev1: "@every 10m", Sev2: "@every 10m", Sev3: "@every 10m", Sev4: "@every 10m"},
		DiagnosisCadence: "@every 30m"}, checkin.Options{Store: s, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = bottest.NewEngine(t, bot.Options{Store: s, Clock: clk,
		Commands: append(append(bot.Commands(), h.svc.Commands()...), sched.Commands()...),
		Hooks:    []bot.Hook{sched, h.svc}, Panels: []bot.Panel{h.svc}})
	h.worker = h.svc.Worker(h.engine)
	inc, ch := h.declare("declare sev1 Checkout errors", "checkout")
	h.sweep()
	evs := h.eventsOf(inc.Key, incident.KindProbeUnknown)
	if len(evs) != 1 || !strings.Contains(evs[0].Text, "unknown — Prometheus answered HTTP 503, unavailable: overloaded") {
		t.Fatalf("probe_unknown = %+v", evs)
	}
	clk.Advance(10 * time.Minute)
	if _, err := sched.Sweeper(h.engine).Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.drain()
	ci := h.lastPosted(ch, "Is customer impact mitigated?")
	if !strings.Contains(text(ci.Message), "Probe checkout error ratio: unknown — Prometheus answered HTTP 503") {
		t.Errorf("check-in lacks the probe's line:\n%s", text(ci.Message))
	}
	for _, d := range h.rec.Deliveries() {
		if strings.Contains(text(d.Message), token) {
			t.Fatalf("a message shows the token: %s", text(d.Message))
		}
	}
	for _, e := range h.eventsOf(inc.Key, incident.KindProbeUnknown) {
		if strings.Contains(e.Text, token) || strings.Contains(e.Data["message"].(string), token) {
			t.Fatalf("an event holds the token: %+v", e)
		}
	}
}

// TestAutoProbe: an auto probe mitigates by itself once it has seen
// impact and then stayed clear for its hold (verified at once), and
// regresses by itself when impact comes back, both with source probe.
func TestAutoProbe(t *testing.T) {
	s := storagetest.New(t)
	f := newFakeProm(t, token)
	f.setValue(0.3)
	p := promProbe(f.srv.URL)
	p.Auto, p.For, p.Lookback, p.VerifyHold = true, 0, -1, 2*time.Minute
	h := newHarness(t, s, clock.NewFake(t0), p)
	inc, _ := h.declare("declare sev2 Checkout errors", "checkout")
	h.sweep()
	f.setValue(0.01)
	h.advance(30 * time.Second)
	for range 3 {
		h.advance(30 * time.Second)
	}
	if got := h.incident(inc.Key); got.Impact != incident.ImpactOngoing {
		t.Fatalf("mitigated after 1m30s of a 2m hold")
	}
	h.advance(30 * time.Second)
	got := h.incident(inc.Key)
	if got.Impact != incident.ImpactMitigated {
		t.Fatalf("impact %s after the hold, want mitigated", got.Impact)
	}
	m := h.eventsOf(inc.Key, incident.KindMitigated, incident.KindMitigationVerified)
	if kinds(m) != "mitigated/probe mitigation_verified/probe" || m[0].Actor != incident.System {
		t.Fatalf("events = %s %+v", kinds(m), m)
	}
	f.setValue(0.4)
	h.advance(30 * time.Second)
	if got := h.incident(inc.Key); got.Impact != incident.ImpactOngoing {
		t.Fatalf("impact %s after a breach, want ongoing (auto)", got.Impact)
	}
	if r := h.eventsOf(inc.Key, incident.KindRegressed); len(r) != 1 || r[0].Source != incident.SourceProbe {
		t.Fatalf("regressed = %+v", r)
	}
}

// TestHTTPProbe: a synthetic check is impacting on a wrong status, clear
// on the expected one within its latency limit.
func TestHTTPProbe(t *testing.T) {
	var status atomic.Int64
	status.Store(503)
	var auth atomic.Value
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		w.WriteHeader(int(status.Load()))
	}))
	defer site.Close()
	p := config.Probe{ID: "home", Name: "shop home page", Service: "checkout", Type: config.ProbeHTTP, URL: site.URL,
		BasicAuth: config.ProbeBasicAuth{Username: "bot", Password: config.NewSecret("pw-SECRET")},
		Method:    "GET", ExpectStatus: 200, MaxLatency: 5 * time.Second, Unit: config.UnitSeconds,
		Interval: 30 * time.Second, VerifyHold: time.Minute, Lookback: -1, Timeout: 5 * time.Second}
	h := newHarness(t, storagetest.New(t), clock.NewFake(t0), p)
	inc, ch := h.declare("declare sev2 Checkout errors", "checkout")
	h.sweep()
	evs := h.eventsOf(inc.Key, incident.KindProbeImpacting)
	if len(evs) != 1 || !strings.Contains(evs[0].Text, "shop home page: HTTP 503 in ") || !strings.Contains(evs[0].Text, "want 200 — failing for 0s, impacting") {
		t.Fatalf("probe_impacting = %+v", evs)
	}
	if a, _ := auth.Load().(string); !strings.HasPrefix(a, "Basic ") {
		t.Errorf("Authorization = %q", a)
	}
	status.Store(200)
	h.advance(30 * time.Second)
	if !strings.Contains(h.card(ch), "shop home page: HTTP 200 in ") {
		t.Errorf("card:\n%s", h.card(ch))
	}
	_ = probe.CmdProbe
}
