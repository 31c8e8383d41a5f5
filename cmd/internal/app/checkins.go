package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
)

// StartCheckins wires the mitigation check-in scheduler into engine (its
// hook and the "answer" command behind the check-in buttons) and runs its
// sweeper until ctx is done or stop is called. stop waits for the sweeper
// to finish its transaction. Call it before the engine handles commands.
// Check-ins sent and answered are counted in m, which may be nil.
func StartCheckins(ctx context.Context, cfg *config.Config, engine *bot.Engine, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "checkins")
	sched, err := checkin.New(engine, cfg.Checkins, checkin.Options{Logger: log,
		OnSent: func(s checkin.Sent) {
			escalated := ""
			if s.Escalated > 0 {
				escalated = checkin.LevelName(s.Escalated)
			}
			m.CheckinSent(s.Late, s.Committed.Sub(s.Due), escalated)
		},
		OnAnswered: m.CheckinAnswered,
	})
	if err != nil {
		return nil, fmt.Errorf("check-ins: %w", err)
	}
	return runInBackground(ctx, sched.Run), nil
}
