package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

var (
	openIncidentsDesc = prometheus.NewDesc("tourniquet_open_incidents",
		"Open incidents by severity and impact state.", []string{"severity", "impact"}, nil)
	outboxDepthDesc = prometheus.NewDesc("tourniquet_outbox_depth",
		"Undelivered outbox messages by platform.", []string{"platform"}, nil)
	outboxAgeDesc = prometheus.NewDesc("tourniquet_outbox_oldest_age_seconds",
		"Age of the oldest undelivered outbox message by platform.", []string{"platform"}, nil)
	storeUpDesc = prometheus.NewDesc("tourniquet_store_up",
		"1 when the store answered the last scrape, 0 when it did not.", nil, nil)
)

// storeCollector reads gauges from the store at scrape time, so every
// replica reports the same shared truth.
type storeCollector struct {
	store storage.Store
	now   func() time.Time
	// platforms always get an outbox depth, 0 when nothing is pending.
	platforms []string
}

// WatchStore adds the store-backed gauges: open incidents by severity and
// impact, outbox depth and oldest age by platform (0 for each of platforms
// when nothing is pending), and whether the store answered.
func (m *Metrics) WatchStore(s storage.Store, now func() time.Time, platforms ...string) {
	m.Registry.MustRegister(&storeCollector{store: s, now: now, platforms: platforms})
}

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- openIncidentsDesc
	ch <- outboxDepthDesc
	ch <- outboxAgeDesc
	ch <- storeUpDesc
}

// Collect implements prometheus.Collector.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	up := 1.0
	defer func() { ch <- prometheus.MustNewConstMetric(storeUpDesc, prometheus.GaugeValue, up) }()

	incs, err := c.store.ListIncidents(ctx, storage.IncidentFilter{State: incident.StateOpen})
	if err != nil {
		up = 0
		return
	}
	counts := map[[2]string]int{}
	for _, sev := range incident.Severities {
		for _, imp := range []incident.Impact{incident.ImpactOngoing, incident.ImpactMitigated} {
			counts[[2]string{string(sev), string(imp)}] = 0
		}
	}
	drills, err := drillIDs(ctx, c.store)
	if err != nil {
		up = 0
		return
	}
	for _, inc := range incs {
		if !drills[inc.ID] { // a drill is a rehearsal, not an incident to count
			counts[[2]string{string(inc.Severity), string(inc.Impact)}]++
		}
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(openIncidentsDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	stats, err := c.store.OutboxStats(ctx)
	if err != nil {
		up = 0
		return
	}
	now := c.now()
	seen := map[string]bool{}
	for _, st := range stats {
		seen[st.Platform] = true
		ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(st.Pending), st.Platform)
		age := 0.0
		if st.Pending > 0 && !st.OldestPending.IsZero() {
			age = now.Sub(st.OldestPending).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, age, st.Platform)
	}
	for _, p := range c.platforms {
		if !seen[p] {
			ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, 0, p)
			ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, 0, p)
		}
	}
}

// drillIDs are the incidents that are drills.
func drillIDs(ctx context.Context, q storage.Querier) (map[int64]bool, error) {
	ds, err := q.ListDrills(ctx)
	if err != nil {
		return nil, err
	}
	return storage.DrillIncidents(ds), nil
}
