package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/followup"
	"github.com/tourniquet/tourniquet/integrations/githubissues"
	"github.com/tourniquet/tourniquet/integrations/jira"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/linear"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// newFollowUps is the follow-ups feature as configured.
func newFollowUps(cfg *config.Config) *followup.Feature {
	return followup.New(followup.Options{Tracker: cfg.FollowUps.Tracker.Type,
		AtResolve: cfg.FollowUps.Create == config.CreateAtResolve})
}

// tracker is a configured issue tracker's client.
type tracker interface {
	followup.Creator
	followup.Checker
}

// newTracker builds the client of the configured tracker; nil without one.
func newTracker(cfg *config.Config, clk clock.Clock) (tracker, error) {
	t := cfg.FollowUps.Tracker
	opt := httpx.WithClock(clk)
	switch t.Type {
	case "":
		return nil, nil
	case config.TrackerJira:
		return jira.New(jira.Config{URL: t.URL, Email: t.Email, Token: t.Token, Project: t.Project,
			IssueType: t.IssueType, Labels: t.Labels}, opt)
	case config.TrackerGitHub:
		return githubissues.New(githubissues.Config{URL: t.URL, Token: t.Token, Repo: t.Repo, Labels: t.Labels}, opt)
	case config.TrackerLinear:
		return linear.New(linear.Config{URL: t.URL, Token: t.Token, Team: t.Team}, opt)
	}
	return nil, fmt.Errorf("follow_ups.tracker.type %q is not a tracker", t.Type)
}

// startFollowUps runs the ticket worker until ctx is done or stop is
// called; nothing without a tracker.
func startFollowUps(ctx context.Context, cfg *config.Config, engine *bot.Engine, store storage.Store, clk clock.Clock, log *slog.Logger) (stop func(), err error) {
	tr, err := newTracker(cfg, clk)
	if err != nil || tr == nil {
		return func() {}, err
	}
	w := followup.NewWorker(followup.WorkerOptions{Store: store, Engine: engine, Tracker: cfg.FollowUps.Tracker.Type,
		Creator: tr, Checker: tr, Clock: clk, Logger: log.With("component", "follow-ups"), CheckEvery: cfg.FollowUps.Poll})
	return runInBackground(ctx, w.Run), nil
}
