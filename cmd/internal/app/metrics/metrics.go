// Package metrics holds Tourniquet's Prometheus metrics on a private
// registry, served at /metrics. The features do not import it: they report
// through callbacks they declare (bot.SenderOptions.OnResult,
// actions.OutcomeFunc, checkin.Options.OnSent and OnAnswered), and the
// composition root (cmd/internal/app) wires those to the methods here. A
// nil *Metrics records nothing, so tests need not set one up.
//
// It is part of the composition root: it may import storage and incident
// (the gauges read the store at scrape time), and only cmd/internal/app
// imports it.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of Tourniquet's metrics.
type Metrics struct {
	Registry *prometheus.Registry

	CheckinsSent      prometheus.Counter
	CheckinsLate      prometheus.Counter
	CheckinsAnswered  *prometheus.CounterVec // answer
	CheckinsEscalated *prometheus.CounterVec // level
	SchedulerLag      prometheus.Histogram

	ActionRuns        *prometheus.CounterVec   // integration, kind, outcome
	ActionRunDuration *prometheus.HistogramVec // integration, kind

	Deliveries       *prometheus.CounterVec   // platform, result
	DeliveryDuration *prometheus.HistogramVec // platform

	Requests   *prometheus.CounterVec   // route, status
	AckLatency *prometheus.HistogramVec // route

	alertMetrics
}

// New registers every metric on a new registry, with Go and process
// collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { r.MustRegister(c) }
	m := &Metrics{Registry: r}
	m.CheckinsSent = prometheus.NewCounter(prometheus.CounterOpts{Name: "tourniquet_checkins_sent_total", Help: "Check-ins posted."})
	m.CheckinsLate = prometheus.NewCounter(prometheus.CounterOpts{Name: "tourniquet_checkins_late_total", Help: "Check-ins that fired late, after downtime."})
	m.CheckinsAnswered = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tourniquet_checkins_answered_total", Help: "Check-in answers by answer."}, []string{"answer"})
	m.CheckinsEscalated = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tourniquet_checkins_escalated_total", Help: "Check-in escalations by level."}, []string{"level"})
	m.SchedulerLag = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tourniquet_scheduler_lag_seconds", Help: "Delay from a check-in's due time to its message being enqueued.",
		Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}})
	m.ActionRuns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tourniquet_action_runs_total", Help: "Action runs by integration, kind and outcome."}, []string{"integration", "kind", "outcome"})
	m.ActionRunDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tourniquet_action_run_duration_seconds", Help: "Duration of the external call of action runs.",
		Buckets: prometheus.ExponentialBuckets(0.05, 2, 12)}, []string{"integration", "kind"})
	m.Deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tourniquet_deliveries_total", Help: "Outbox delivery tries by platform and result (delivered, deferred, rate_limited, retry, dead)."}, []string{"platform", "result"})
	m.DeliveryDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tourniquet_delivery_duration_seconds", Help: "Duration of outbox delivery tries.",
		Buckets: prometheus.DefBuckets}, []string{"platform"})
	m.Requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tourniquet_http_requests_total", Help: "Inbound HTTP requests by route and status."}, []string{"route", "status"})
	m.AckLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tourniquet_ack_latency_seconds", Help: "Time to answer inbound chat requests, by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"})
	for _, c := range []prometheus.Collector{m.CheckinsSent, m.CheckinsLate, m.CheckinsAnswered, m.CheckinsEscalated, m.SchedulerLag,
		m.ActionRuns, m.ActionRunDuration, m.Deliveries, m.DeliveryDuration, m.Requests, m.AckLatency} {
		f(c)
	}
	m.alertMetrics = newAlertMetrics(f)
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Delivery records one outbox delivery try.
func (m *Metrics) Delivery(platform, result string, took time.Duration) {
	if m == nil {
		return
	}
	m.Deliveries.WithLabelValues(platform, result).Inc()
	m.DeliveryDuration.WithLabelValues(platform).Observe(took.Seconds())
}

// Request records one inbound HTTP request and how long it took to answer.
func (m *Metrics) Request(route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.Requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.AckLatency.WithLabelValues(route).Observe(took.Seconds())
}
