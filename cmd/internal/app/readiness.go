package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/slack"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/redact"
	"github.com/tourniquet/tourniquet/readiness"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline/web"
)

// StartReadiness runs the readiness feature's background work through
// engine: the fail-forward deadline sweeper, and the preflights of the
// actions in force on a schedule (daily), claimed by one replica, their
// results stored. stop stops both.
func StartReadiness(ctx context.Context, cfg *config.Config, f *features, engine readiness.SystemRunner) (stop func(), err error) {
	log := f.log.With("component", "readiness")
	sw, err := readiness.NewDeadlineSweeper(engine, readiness.DeadlineOptions{Store: f.store, Clock: f.clock, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("readiness: %w", err)
	}
	acts, _ := actionsConfig(cfg)
	red := redact.New(cfg.SecretValues()...)
	pf, err := readiness.NewPreflightScheduler(readiness.PreflightOptions{Store: f.store, Clock: f.clock, Logger: log,
		Actions: acts, Integrations: f.integrations, Redact: red.Redact})
	if err != nil {
		return nil, fmt.Errorf("readiness: %w", err)
	}
	stopSweeper := runInBackground(ctx, sw.Run)
	stopPreflights := runInBackground(ctx, pf.Run)
	return func() { stopPreflights(); stopSweeper() }, nil
}

// storedReadiness assesses every service from what the store knows (the
// scheduled preflights' results, the last runs, the drills), without
// calling anything: the page, the gauges and the digest read it. People
// are checked through dirs (nil: not checked, counted as present).
func storedReadiness(ctx context.Context, cfg *config.Config, q storage.Querier, now time.Time, dirs readiness.Directories) (readiness.Report, error) {
	acts, _ := actionsConfig(cfg)
	in := readiness.Inputs{Actions: acts, Groups: cfg.Groups, Directories: dirs, Preflights: map[string]storage.PreflightResult{},
		LastRuns: map[string]time.Time{}, Services: namedServices(cfg), Now: now}
	results, err := q.ListPreflightResults(ctx)
	if err != nil {
		return readiness.Report{}, err
	}
	for _, r := range results {
		in.Preflights[r.ActionID] = r
	}
	if err := readStoredReadiness(ctx, q, &in); err != nil {
		return readiness.Report{}, err
	}
	return readiness.Assess(ctx, in), nil
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
		Services:    namedServices(cfg),
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

// readinessGauges is metrics.WatchReadiness's callback: the stored
// readiness of cfg's services, people not checked (a scrape calls no
// chat platform).
func readinessGauges(cfg *config.Config, store storage.Store, now func() time.Time) func(ctx context.Context) (metrics.ReadinessGauges, error) {
	return func(ctx context.Context) (metrics.ReadinessGauges, error) {
		r, err := storedReadiness(ctx, cfg, store, now(), nil)
		if err != nil {
			return metrics.ReadinessGauges{}, err
		}
		g := metrics.ReadinessGauges{Scores: map[string]int{}}
		seen := map[string]bool{}
		for _, s := range r.Services {
			g.Scores[s.Service] = s.Score
			for _, a := range s.Actions {
				if a.Integration == "" || seen[a.ID] || a.Preflight == readiness.PreflightNever {
					continue
				}
				seen[a.ID] = true
				g.Preflights = append(g.Preflights, metrics.PreflightGauge{Action: a.ID, Integration: a.Integration, OK: a.Preflight == readiness.PreflightPassed})
			}
		}
		return g, nil
	}
}

// readinessPage is web.Options.Readiness: the stored readiness of cfg's
// services, people checked through the chat platforms' directories.
func readinessPage(cfg *config.Config, store storage.Store) web.ReadinessFunc {
	dirs := directories(cfg, nil)
	return func(ctx context.Context, now time.Time) (web.ReadinessView, error) {
		r, err := storedReadiness(ctx, cfg, store, now, dirs)
		if err != nil {
			return web.ReadinessView{}, err
		}
		v := web.ReadinessView{Problems: r.Problems()}
		for _, l := range r.Lines() {
			v.Services = append(v.Services, web.ReadinessRow(l))
		}
		return v, nil
	}
}

// namedServices are the services cfg names besides its actions: each
// probe's, and each alert route's that matches a fixed service label.
func namedServices(cfg *config.Config) []string {
	var out []string
	for _, p := range cfg.Probes {
		out = append(out, p.Service)
	}
	for _, r := range cfg.Alerts.Routes {
		if v := r.Match[r.ServicesLabel]; r.ServicesLabel != "" && v != "" {
			out = append(out, v)
		}
	}
	return out
}
