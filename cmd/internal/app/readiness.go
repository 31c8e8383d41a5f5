package app

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/readiness"
)

// StartReadiness runs the readiness feature's background work through
// engine: the fail-forward deadline sweeper. stop stops it.
func StartReadiness(ctx context.Context, f *features, engine readiness.SystemRunner) (stop func(), err error) {
	sw, err := readiness.NewDeadlineSweeper(engine, readiness.DeadlineOptions{Store: f.store, Clock: f.clock,
		Logger: f.log.With("component", "readiness")})
	if err != nil {
		return nil, fmt.Errorf("readiness: %w", err)
	}
	return runInBackground(ctx, sw.Run), nil
}
