package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/probe"
	"github.com/tourniquet/tourniquet/storage"
)

// newProbes builds the impact probes of the configuration: their hook,
// panel and button command go into the engine. Their evaluations are
// counted in m, which may be nil.
func newProbes(cfg *config.Config, store storage.Store, clk clock.Clock, m *metrics.Metrics, log *slog.Logger) (*probe.Service, error) {
	svc, err := probe.New(cfg.Probes, probe.Options{Store: store, Clock: clk, Logger: log.With("component", "probes"),
		OnEvaluated: probeMetrics(m)})
	if err != nil {
		return nil, fmt.Errorf("probes: %w", err)
	}
	return svc, nil
}

// probeMetrics registers the probes' metrics on m's registry and returns
// the callback that records them: evaluations by probe and status, and
// the lag from an evaluation's due time to its commit. nil without m.
func probeMetrics(m *metrics.Metrics) func(probe.Evaluated) {
	if m == nil || m.Registry == nil {
		return nil
	}
	evals := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tourniquet_probe_evaluations_total",
		Help: "Impact probe evaluations committed, by probe and the status they concluded."}, []string{"probe", "status"})
	lag := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tourniquet_probe_lag_seconds",
		Help:    "Delay from an impact probe evaluation's due time to the commit of its result.",
		Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}})
	evals = registered(m.Registry, evals)
	lag = registered(m.Registry, lag)
	return func(e probe.Evaluated) {
		evals.WithLabelValues(e.Probe, string(e.Status)).Inc()
		lag.Observe(e.Committed.Sub(e.Due).Seconds())
	}
}

// StartProbes runs the probe worker through engine until ctx is done or
// stop is called; with no probe configured it does nothing.
func StartProbes(ctx context.Context, svc *probe.Service, engine probe.SystemRunner) (stop func()) {
	return runInBackground(ctx, svc.Worker(engine).Run)
}

// registered registers c on r, or returns the collector registered
// already under its name (features built twice on one registry).
func registered[C prometheus.Collector](r *prometheus.Registry, c C) C {
	if err := r.Register(c); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err) // two different metrics under one name: a bug here
	}
	return c
}
