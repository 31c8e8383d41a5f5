package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	readinessScoreDesc = prometheus.NewDesc("tourniquet_readiness_score",
		"Mitigation readiness score of each service, 0 to 100 (docs/readiness.md).", []string{"service"}, nil)
	preflightOKDesc = prometheus.NewDesc("tourniquet_preflight_ok",
		"1 when the latest read-only preflight of an action's integration passed, 0 when it failed or could not check.",
		[]string{"action", "integration"}, nil)
)

// ReadinessGauges are what the readiness gauges show at one scrape.
type ReadinessGauges struct {
	Scores     map[string]int // by service
	Preflights []PreflightGauge
}

// PreflightGauge is one action's latest preflight.
type PreflightGauge struct {
	Action, Integration string
	OK                  bool
}

// readinessCollector reads the gauges through a callback at scrape time,
// so that every replica shows what the store holds.
type readinessCollector struct {
	read func(ctx context.Context) (ReadinessGauges, error)
}

// WatchReadiness adds the readiness gauges: the score of each service and
// each action's latest preflight, read by read at every scrape.
func (m *Metrics) WatchReadiness(read func(ctx context.Context) (ReadinessGauges, error)) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(&readinessCollector{read: read})
}

// Describe implements prometheus.Collector.
func (c *readinessCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- readinessScoreDesc
	ch <- preflightOKDesc
}

// Collect implements prometheus.Collector.
func (c *readinessCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	g, err := c.read(ctx)
	if err != nil {
		return // tourniquet_store_up says the store did not answer
	}
	for svc, score := range g.Scores {
		ch <- prometheus.MustNewConstMetric(readinessScoreDesc, prometheus.GaugeValue, float64(score), svc)
	}
	for _, p := range g.Preflights {
		v := 0.0
		if p.OK {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(preflightOKDesc, prometheus.GaugeValue, v, p.Action, p.Integration)
	}
}
