package app

import (
	"context"
	"log/slog"

	"github.com/tourniquet/tourniquet/bot"
)

// StartJanitor prunes expired dedupe keys and old delivered outbox
// messages in the background until ctx is done or stop is called.
func StartJanitor(ctx context.Context, engine *bot.Engine, log *slog.Logger) (stop func()) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	j := bot.NewJanitor(bot.JanitorOptions{Store: engine.Store(), Clock: engine.Clock(), Logger: log.With("component", "janitor")})
	return runInBackground(ctx, j.Run)
}
