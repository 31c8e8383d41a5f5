package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/readiness"
	"github.com/tourniquet/tourniquet/storage"
)

// newCheckins builds the mitigation check-in scheduler of the
// configuration: its hook and its "answer" command go into the engine.
// Check-ins sent and answered are counted in m, which may be nil.
func newCheckins(cfg *config.Config, store storage.Store, clk clock.Clock, m *metrics.Metrics, log *slog.Logger, pager checkin.Pager) (*checkin.Scheduler, error) {
	sched, err := checkin.New(cfg.Checkins, checkin.Options{Store: store, Clock: clk, Logger: log.With("component", "checkins"), Pager: pager,
		Parallel: sweepParallel(store),
		OnSent: func(s checkin.Sent) {
			escalated := ""
			if s.Escalated > 0 {
				escalated = checkin.LevelName(s.Escalated)
			}
			m.CheckinSent(s.Late, s.Committed.Sub(s.Due), escalated)
		},
		OnAnswered: m.CheckinAnswered,
		DigestLines: func(ctx context.Context, q storage.Querier, now time.Time) ([]bot.Block, error) {
			r, err := storedReadiness(ctx, cfg, q, now, nil)
			if err != nil {
				return nil, err
			}
			return readiness.DigestBlocks(r), nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("check-ins: %w", err)
	}
	return sched, nil
}

// StartCheckins runs the check-in sweeper through engine until ctx is
// done or stop is called. stop waits for the sweeper to finish its
// transaction.
func StartCheckins(ctx context.Context, sched *checkin.Scheduler, engine checkin.SystemRunner) (stop func()) {
	return runInBackground(ctx, sched.Sweeper(engine).Run)
}

// sweepParallel is how many check-in batches a sweep fires at once: on
// Postgres several, whose claims skip each other's rows, so that a burst
// after downtime drains sooner; on SQLite, one writer, one.
func sweepParallel(store storage.Store) int {
	if store.Dialect() == "postgres" {
		return checkin.DefaultParallel
	}
	return 1
}
