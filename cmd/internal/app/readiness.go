package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/slack"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/redact"
	"github.com/tourniquet/tourniquet/readiness"
	"github.com/tourniquet/tourniquet/storage"
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

// ReadinessReport assesses every service of cfg now: it builds the
// actions and integrations in force, runs their read-only preflights,
// asks the chat platforms who still exists, and reads the last runs and
// drills from store (nil: none known). hc, when set, is the HTTP client
// of the directories (tests).
func ReadinessReport(ctx context.Context, cfg *config.Config, store storage.Store, now func() time.Time, hc *http.Client) (readiness.Report, error) {
	cat, err := ActionCatalog(cfg)
	if err != nil {
		return readiness.Report{}, err
	}
	ints, err := BuildIntegrations(cfg, cat)
	if err != nil {
		return readiness.Report{}, err
	}
	acts, _ := actionsConfig(cfg)
	red := redact.New(cfg.SecretValues()...)
	in := readiness.Inputs{
		Actions:     acts,
		Groups:      cfg.Groups,
		Directories: directories(cfg, hc),
		Preflights:  readiness.RunPreflights(ctx, acts, ints, now, red.Redact),
		LastRuns:    map[string]time.Time{},
		Now:         now(),
	}
	if store != nil {
		if err := readStoredReadiness(ctx, store, &in); err != nil {
			return readiness.Report{}, err
		}
	}
	return readiness.Assess(ctx, in), nil
}

// readStoredReadiness fills in the last real runs and the drills.
func readStoredReadiness(ctx context.Context, store storage.Querier, in *readiness.Inputs) error {
	runs, err := store.LastActionRuns(ctx)
	if err != nil {
		return err
	}
	for _, r := range runs {
		in.LastRuns[r.ActionID] = r.At
	}
	in.Drills, err = store.ListDrills(ctx)
	return err
}

// directories are the chat platforms' user directories of cfg.
func directories(cfg *config.Config, hc *http.Client) readiness.Directories {
	dirs := readiness.Directories{}
	if cfg.Slack.BotToken.IsSet() {
		dirs[slack.Platform] = slack.NewDirectory(cfg.Slack.APIURL, cfg.Slack.BotToken, hc)
	}
	if cfg.Discord.BotToken.IsSet() && cfg.Discord.GuildID != "" {
		var rt http.RoundTripper
		if hc != nil {
			rt = hc.Transport
		}
		if d, err := discord.NewDirectory(cfg.Discord.APIURL, cfg.Discord.GuildID, cfg.Discord.BotToken, rt); err == nil {
			dirs[discord.Platform] = d
		}
	}
	return dirs
}
