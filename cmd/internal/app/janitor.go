package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// StartJanitor prunes expired dedupe keys, old delivered outbox messages
// and changes older than keepChanges (changes.retention) in the background
// until ctx is done or stop is called.
func StartJanitor(ctx context.Context, store storage.Store, clk clock.Clock, keepChanges time.Duration, log *slog.Logger) (stop func()) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	j := bot.NewJanitor(bot.JanitorOptions{Store: store, Clock: clk, KeepChanges: keepChanges, Logger: log.With("component", "janitor")})
	return runInBackground(ctx, j.Run)
}
