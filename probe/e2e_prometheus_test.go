package probe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/realserver"
	"github.com/tourniquet/tourniquet/probe"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// exporter is a tiny service's /metrics: a request counter going up at
// 100/s and an error counter going up at the rate the test sets, in the
// Prometheus text format.
type exporter struct {
	mu        sync.Mutex
	last      time.Time
	requests  float64
	errors    float64
	errorRate float64 // errors per request
}

func (e *exporter) setErrorRate(r float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.advance()
	e.errorRate = r
}

func (e *exporter) advance() {
	now := time.Now()
	if !e.last.IsZero() {
		dt := now.Sub(e.last).Seconds()
		e.requests += 100 * dt
		e.errors += 100 * dt * e.errorRate
	}
	e.last = now
}

func (e *exporter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	e.advance()
	req, errs := e.requests, e.errors
	e.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# TYPE http_requests_total counter\nhttp_requests_total{job_name=\"checkout\"} %f\n", req)
	fmt.Fprintf(w, "# TYPE http_errors_total counter\nhttp_errors_total{job_name=\"checkout\"} %f\n", errs)
}

// startPrometheus runs the real prometheus binary on a free loopback
// port, scraping target every second, and returns its base URL.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: checkout\n    static_configs:\n      - targets: [%q]\n", target)
	base, _ := realserver.Start(t, realserver.Server{Binary: "prometheus", Package: "prometheus",
		Files: map[string]string{"prometheus.yml": cfg},
		Args: func(dir, addr string) []string {
			return []string{"--config.file=" + filepath.Join(dir, "prometheus.yml"),
				"--storage.tsdb.path=" + filepath.Join(dir, "data"), "--web.listen-address=" + addr, "--log.level=warn"}
		}})
	return base
}

var waitFor = realserver.WaitFor

// TestRealPrometheus runs the whole story against a real Prometheus
// scraping an exporter whose error rate the test sets: declare → the
// probe sees impact → "mitigated" while it still does → the bot
// challenges → the exporter recovers → the mitigation is verified after
// the hold → the exporter breaks again → "Impact is back?".
func TestRealPrometheus(t *testing.T) {
	exp := &exporter{}
	exp.setErrorRate(0.5)
	target := httptest.NewServer(exp)
	defer target.Close()
	base := startPrometheus(t, strings.TrimPrefix(target.URL, "http://"))

	above := 0.02
	p := config.Probe{ID: "checkout-errors", Name: "checkout error ratio", Service: "checkout", Type: config.ProbePrometheus,
		URL:           base,
		Query:         `sum(rate(http_errors_total{job="checkout"}[3s])) / sum(rate(http_requests_total{job="checkout"}[3s]))`,
		ImpactingWhen: config.Threshold{Above: &above}, Unit: config.UnitRatio,
		For: 2 * time.Second, Interval: time.Second, VerifyHold: 3 * time.Second, Lookback: time.Minute, Timeout: 5 * time.Second}
	api, err := probe.NewPrometheus(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the error ratio in Prometheus", func() bool {
		v, err := api.Query(context.Background(), p.Query, time.Now())
		return err == nil && v > 0.1
	})

	s := storagetest.NewSQLite(t)
	clk := clock.Real{}
	rec := bottest.NewRecorder("slack")
	svc, err := probe.New([]config.Probe{p}, probe.Options{Store: s, Clock: clk, Poll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	engine := bottest.NewEngine(t, bot.Options{Store: s, Clock: clk,
		Commands: append(bot.Commands(), svc.Commands()...), Hooks: []bot.Hook{svc}, Panels: []bot.Panel{svc}})
	sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{rec}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Worker(engine).Run(ctx) }()
	defer func() { cancel(); <-done }()

	do := func(ch incident.ChannelRef, line string) bot.Reply {
		t.Helper()
		r, err := engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: alice, Text: line})
		if err != nil || r.Error {
			t.Fatalf("%q: %v %s", line, err, r.Message.PlainText())
		}
		return r
	}
	posted := func(ch incident.ChannelRef, s string) bool {
		_ = sender.Drain(context.Background())
		for _, d := range rec.Ops("post") {
			if d.ChannelID == ch.ChannelID && strings.Contains(text(d.Message), s) {
				return true
			}
		}
		return false
	}
	has := func(key string, kind incident.Kind) bool {
		inc, err := s.GetIncidentByKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.ListEvents(context.Background(), inc.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Kind == kind {
				return true
			}
		}
		return false
	}

	r := do(lobby, "declare sev1 Checkout errors")
	if err := sender.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	inc, _ := s.GetIncidentByKey(context.Background(), r.IncidentKey)
	ch, _ := inc.ChannelOn("slack")
	do(ch, "services checkout")
	waitFor(t, 15*time.Second, "probe_impacting", func() bool { return has(inc.Key, incident.KindProbeImpacting) })

	do(ch, "mitigated rolled back")
	waitFor(t, 5*time.Second, "the challenge", func() bool { return posted(ch, "The probe says customers are still impacted") })

	exp.setErrorRate(0)
	waitFor(t, 20*time.Second, "probe_clear", func() bool { return has(inc.Key, incident.KindProbeClear) })
	waitFor(t, 15*time.Second, "mitigation_verified", func() bool { return has(inc.Key, incident.KindMitigationVerified) })

	exp.setErrorRate(0.4)
	waitFor(t, 20*time.Second, "Impact is back?", func() bool { return posted(ch, "Impact is back? checkout error ratio") })
	if got, _ := s.GetIncidentByKey(context.Background(), inc.Key); got.Impact != incident.ImpactMitigated {
		t.Errorf("impact %s without a click", got.Impact)
	}
}
