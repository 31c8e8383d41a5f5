package metrics

import "github.com/prometheus/client_golang/prometheus"

// alertMetrics are alert intake's and paging's counters.
type alertMetrics struct {
	AlertsReceived *prometheus.CounterVec // source, new
	Pages          *prometheus.CounterVec // target, action, outcome
}

func newAlertMetrics(register func(prometheus.Collector)) alertMetrics {
	a := alertMetrics{
		AlertsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tourniquet_alerts_received_total",
			Help: "Alert deliveries stored, by source and whether they changed anything (new=false: a retry or a repeat)."}, []string{"source", "new"}),
		Pages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tourniquet_pages_total",
			Help: "Pages sent to paging targets, by target, action (trigger, resolve) and outcome (sent, failed, unknown)."}, []string{"target", "action", "outcome"}),
	}
	register(a.AlertsReceived)
	register(a.Pages)
	return a
}

// AlertReceived records one stored alert delivery.
func (m *Metrics) AlertReceived(source string, changed bool) {
	if m == nil {
		return
	}
	n := "false"
	if changed {
		n = "true"
	}
	m.AlertsReceived.WithLabelValues(source, n).Inc()
}

// Page records the outcome of one page.
func (m *Metrics) Page(target, action, outcome string) {
	if m == nil {
		return
	}
	m.Pages.WithLabelValues(target, action, outcome).Inc()
}
