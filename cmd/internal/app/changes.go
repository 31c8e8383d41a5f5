package app

import (
	"log/slog"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/changes"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
)

// changesPanel lists the changes to an incident's services on its card
// and check-ins, with the actions' undo buttons.
func changesPanel(cfg *config.Config, acts *actions.Service) bot.Panel {
	return changes.NewPanel(changes.PanelOptions{Window: cfg.Changes.Window, Undo: acts.UndoButtons})
}

// changeIntake takes changes in: POST/GET /api/v1/changes and the
// webhooks whose secrets are configured.
func changeIntake(cfg *config.Config, store changes.Store, clk clock.Clock, log *slog.Logger) *changes.Intake {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return changes.NewIntake(changes.IntakeOptions{Store: store, Clock: clk, APIToken: cfg.APIToken,
		GitHubSecret: cfg.Changes.GitHubSecret, LaunchDarklySecret: cfg.Changes.LaunchDarklySecret,
		ArgoCDToken: cfg.Changes.ArgoCDToken, Logger: log.With("component", "changes")})
}
