package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/tourniquet/tourniquet/bot"
	slackbot "github.com/tourniquet/tourniquet/bot/slack"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// slackApp is the Slack adapter wired from config.Slack. A nil *slackApp
// (Slack not configured) does nothing, so Serve can call its methods
// unconditionally.
type slackApp struct {
	a   *slackbot.Adapter
	log *slog.Logger
	// http is set when a signing secret allows the HTTP mode routes.
	http bool
}

// newSlack builds the Slack adapter when a bot token is configured, and
// nil otherwise. It makes no call to Slack; start does.
func newSlack(cfg *config.Config, engine slackbot.Engine, store storage.Store, clk clock.Clock, log *slog.Logger) (*slackApp, error) {
	s := cfg.Slack
	if !s.Enabled() {
		return nil, nil
	}
	log = log.With("component", "slack")
	a, err := slackbot.New(slackbot.Options{
		Engine: engine, Incidents: store, BotToken: s.BotToken, AppToken: s.AppToken, SigningSecret: s.SigningSecret,
		APIURL: s.APIURL, AnnounceChannel: s.AnnounceChannel, TimelineEmoji: s.TimelineEmoji,
		Clock: clk, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	return &slackApp{a: a, log: log, http: s.SigningSecret.IsSet()}, nil
}

// deliverers is the adapter, for the outbox sender.
func (s *slackApp) deliverers() []bot.Deliverer {
	if s == nil {
		return nil
	}
	return []bot.Deliverer{s.a}
}

// readiness fails /readyz with "slack not connected" until the bot token
// passed auth.test and, in Socket Mode, the socket is up.
func (s *slackApp) readiness() []Readiness {
	if s == nil {
		return nil
	}
	return []Readiness{s.a.Ready}
}

// mount adds POST /slack/commands, /slack/interactions and /slack/events
// when a signing secret is configured (HTTP mode).
func (s *slackApp) mount(mux *http.ServeMux) {
	if s == nil {
		return
	}
	if !s.http {
		s.log.Info("slack HTTP mode routes are off: no signing secret; requests arrive over Socket Mode")
		return
	}
	s.a.Routes(mux)
}

// start checks the token and, with an app-level token, holds the Socket
// Mode connection until ctx ends; wg tracks it and the work that follows
// answered requests.
func (s *slackApp) start(ctx context.Context, wg *sync.WaitGroup) {
	if s == nil {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.a.Run(ctx); err != nil {
			s.log.Warn("slack connection ended with an error", "err", err)
		}
		s.a.Wait()
	}()
}
