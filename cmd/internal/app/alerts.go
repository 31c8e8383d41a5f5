package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/tourniquet/tourniquet/alerts"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/console"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// newAlerts builds the alert router of the configuration: its button
// commands go into the engine, its worker starts with the others
// (StartAlerts) and its intake endpoints are mounted with the HTTP routes
// (mountAlerts).
func newAlerts(cfg *config.Config, store storage.Store, clk clock.Clock, log *slog.Logger) (*alerts.Router, error) {
	groups := incident.Groups{}
	for name, members := range cfg.Groups {
		groups[name] = members
	}
	r, err := alerts.New(alerts.Options{Config: cfg.Alerts, Triage: triageChannel(cfg), Groups: groups,
		Store: store, Clock: clk, Logger: log.With("component", "alerts")})
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return r, nil
}

// triageChannel is where alert proposals go: alerts.triage_channel, else
// the announce channel of Slack, then Discord, else the terminal's lobby.
func triageChannel(cfg *config.Config) incident.ChannelRef {
	if ch, err := config.ParseChannel(cfg.Alerts.TriageChannel); err == nil {
		return ch
	}
	switch {
	case cfg.Slack.Enabled() && cfg.Slack.AnnounceChannel != "":
		return incident.ChannelRef{Platform: config.PlatformSlack, ChannelID: cfg.Slack.AnnounceChannel}
	case cfg.Discord.Enabled() && cfg.Discord.AnnounceChannel != "":
		return incident.ChannelRef{Platform: config.PlatformDiscord, ChannelID: cfg.Discord.AnnounceChannel}
	}
	return incident.ChannelRef{Platform: console.Platform, ChannelID: console.Lobby}
}

// mountAlerts adds the intake endpoints (POST /alerts/…); a delivery that
// changed a group wakes this replica's router.
func mountAlerts(mux *http.ServeMux, cfg *config.Config, f *features, m *metrics.Metrics, log *slog.Logger) {
	alerts.NewIntake(alerts.IntakeOptions{Config: cfg.Alerts, Store: f.store, Clock: f.clock,
		Logger: log.With("component", "alerts"), Wake: f.alerts.Wake, OnReceived: m.AlertReceived}).Mount(mux)
}

// StartAlerts runs the alert router through engine until ctx is done or
// stop is called.
func StartAlerts(ctx context.Context, r *alerts.Router, engine *bot.Engine) (stop func()) {
	return runInBackground(ctx, func(ctx context.Context) error { return r.Run(ctx, engine) })
}
