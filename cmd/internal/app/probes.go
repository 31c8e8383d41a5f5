package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/probe"
	"github.com/tourniquet/tourniquet/storage"
)

// newProbes builds the impact probes of the configuration: their hook,
// panel and button command go into the engine.
func newProbes(cfg *config.Config, store storage.Store, clk clock.Clock, log *slog.Logger) (*probe.Service, error) {
	svc, err := probe.New(cfg.Probes, probe.Options{Store: store, Clock: clk, Logger: log.With("component", "probes")})
	if err != nil {
		return nil, fmt.Errorf("probes: %w", err)
	}
	return svc, nil
}

// StartProbes runs the probe worker through engine until ctx is done or
// stop is called; with no probe configured it does nothing.
func StartProbes(ctx context.Context, svc *probe.Service, engine probe.SystemRunner) (stop func()) {
	return runInBackground(ctx, svc.Worker(engine).Run)
}
