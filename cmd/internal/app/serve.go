package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/console"
	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/redact"
	"github.com/tourniquet/tourniquet/storage"
)

// ServeOptions are what `tourniquet serve` runs with.
type ServeOptions struct {
	Config *config.Config
	// Console forces the terminal adapter; it is attached anyway when no
	// chat platform is configured.
	Console bool
	Stdin   io.Reader
	Stdout  io.Writer
	// StdoutTTY says whether Stdout is a terminal (colours); StdinTTY
	// whether Stdin is (piped input is echoed so transcripts read well).
	StdoutTTY, StdinTTY bool
	// NoConsoleInput says stdin can drive no terminal session (it is
	// /dev/null, as in a container): the terminal adapter is then attached
	// only when Console forces it.
	NoConsoleInput bool
	// ConsoleHistory is the file where the terminal keeps typed lines
	// across sessions ("" keeps them for the session only).
	ConsoleHistory string
	Logger         *slog.Logger
	Clock          clock.Clock
	// Ready, if set, is called with the HTTP address once the server listens.
	Ready func(addr string)
	// Limits bound slow and idle HTTP clients; zero fields take the
	// defaults documented on ServerLimits.
	Limits ServerLimits
}

// openTimeout bounds how long starting waits for the database.
const openTimeout = 8 * time.Second

// chatPlatform is a configured chat platform (Slack, Discord): what it
// delivers through, what /readyz waits for, its HTTP routes, and the
// connections it holds open. A nil platform does nothing.
type chatPlatform interface {
	deliverers() []bot.Deliverer
	readiness() []Readiness
	mount(mux *http.ServeMux)
	start(ctx context.Context, wg *sync.WaitGroup)
}

// Serve runs the bot until ctx is done (SIGINT/SIGTERM) or, with the
// terminal adapter, until its input ends. Shutdown stops taking work,
// finishes in-flight deliveries and closes the store.
func Serve(ctx context.Context, o ServeOptions) error {
	cfg := o.Config
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	// One redactor knows every configured secret; it scrubs every log
	// line, and what the engine and the sender store.
	red := redact.New(cfg.SecretValues()...)
	log := slog.New(redact.NewHandler(o.Logger.Handler(), red))
	o.Logger = log
	stopPprof, err := startPprof(ctx, log)
	if err != nil {
		return err
	}
	defer stopPprof()
	store, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()

	m := metrics.New()
	feats, err := newFeatures(cfg, store, o.Clock, m, log)
	if err != nil {
		return err
	}
	eo := EngineOptions(cfg, feats, log)
	eo.Redact = red.Redact
	engine, err := bot.NewEngine(eo)
	if err != nil {
		return err
	}
	platforms, err := chatPlatforms(cfg, engine, store, o.Clock, log)
	if err != nil {
		return err
	}
	reports, stopWorkersNow, err := startWorkers(ctx, cfg, feats, engine, m, log)
	if err != nil {
		return err
	}
	// Workers stop during shutdown, before the last delivery pass, so that
	// what an in-flight action run records still goes out; the defer only
	// covers an early return.
	stopWorkers := sync.OnceFunc(stopWorkersNow)
	defer stopWorkers()

	var sender *bot.Sender
	term := terminal(o, engine, store, func(ctx context.Context) error { return sender.Drain(ctx) })
	ds := deliverers(term, platforms)
	var names []string
	for _, d := range ds {
		names = append(names, d.Platform())
	}
	m.WatchStore(store, o.Clock.Now, names...)
	m.WatchReadiness(readinessGauges(cfg, store, o.Clock.Now))
	sender = bot.NewSender(bot.SenderOptions{Store: store, Clock: o.Clock, Logger: log,
		Deliverers: ds, Redact: red.Redact,
		OnResult: func(msg storage.OutboxMessage, result string, took time.Duration) {
			m.Delivery(msg.Platform, result, took)
		}})

	mux := http.NewServeMux()
	var ready []Readiness
	for _, p := range platforms {
		ready = append(ready, p.readiness()...)
		p.mount(mux)
	}
	healthRoutes(mux, store, ready...)
	mux.Handle("GET /metrics", metricsHandler(cfg, m, log))
	reports.Mount(mux)
	changeIntake(cfg, store, o.Clock, log).Register(mux)
	mountAlerts(mux, cfg, feats, m, log)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	limits := o.Limits.withDefaults()
	ln = limitListener(ln, limits)
	var h http.Handler = mux
	if openLocalMode(cfg) {
		h = localHostsOnly(mux, cfg.PublicURL)
	}
	srv := newServer(instrument(h, m, log), limits)
	log.Info("listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	return run(ctx, log, srv, ln, sender, platforms, term, o.Stdin, stopWorkers)
}

// openMigrated opens the configured store and applies its migrations.
func openMigrated(ctx context.Context, cfg *config.Config, log *slog.Logger) (storage.Store, error) {
	store, err := OpenStore(ctx, cfg.DatabaseURL, openTimeout, log)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	log.Info("store ready", "dialect", store.Dialect(), "database", cfg.RedactedDatabaseURL())
	return store, nil
}

// chatPlatforms builds the configured chat platforms.
func chatPlatforms(cfg *config.Config, engine *bot.Engine, store storage.Store, clk clock.Clock, log *slog.Logger) ([]chatPlatform, error) {
	dc, err := newDiscord(cfg, engine, clk, log)
	if err != nil {
		return nil, err
	}
	sl, err := newSlack(cfg, engine, store, clk, log)
	if err != nil {
		return nil, err
	}
	return []chatPlatform{dc, sl}, nil
}

// startWorkers starts what works in the background on every replica,
// through engine: the check-in sweeper, the action runner, the postmortem
// drafter and the janitor. stop stops them all.
func startWorkers(ctx context.Context, cfg *config.Config, f *features, engine *bot.Engine, m *metrics.Metrics, log *slog.Logger) (*Reports, func(), error) {
	stops := []func(){StartCheckins(ctx, f.checkins, engine), StartAlerts(ctx, f.alerts, engine), StartPaging(ctx, f.paging, engine), StartProbes(ctx, f.probes, engine)}
	stopAll := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	stopActions, err := StartActions(ctx, f, engine, m)
	if err != nil {
		stopAll()
		return nil, nil, err
	}
	stops = append(stops, stopActions)
	stopReadiness, err := StartReadiness(ctx, cfg, f, engine)
	if err != nil {
		stopAll()
		return nil, nil, err
	}
	stops = append(stops, stopReadiness)
	reports, err := StartReports(ctx, cfg, engine, f.store, f.clock, log)
	if err != nil {
		stopAll()
		return nil, nil, err
	}
	stopWatch, err := StartKubeWatch(ctx, cfg, f)
	if err != nil {
		reports.Stop()
		stopAll()
		return nil, nil, err
	}
	stops = append(stops, stopWatch)
	stops = append(stops, reports.Stop, StartJanitor(ctx, f.store, f.clock, cfg.Changes.Retention, log))
	stopFollowUps, err := startFollowUps(ctx, cfg, engine, f.store, f.clock, log)
	if err != nil {
		stopAll()
		return nil, nil, err
	}
	stops = append(stops, stopFollowUps)
	return reports, stopAll, nil
}

// terminal is the terminal chat adapter, or nil when it is not attached:
// it is when forced, or when no chat platform is configured and stdin can
// be typed or piped into.
func terminal(o ServeOptions, engine console.Engine, store console.Store, flush func(context.Context) error) *console.Adapter {
	cfg := o.Config
	platform := cfg.Slack.Enabled() || cfg.Discord.Enabled()
	if !o.Console && (platform || o.NoConsoleInput) {
		if !platform {
			o.Logger.Warn("no chat platform is configured and there is no terminal input: serving the web pages and API only")
		}
		return nil
	}
	return console.New(console.Options{
		Engine:  engine,
		Store:   store,
		Out:     o.Stdout,
		User:    consoleUser(),
		Color:   o.StdoutTTY && os.Getenv("NO_COLOR") == "",
		Echo:    !o.StdinTTY,
		History: o.ConsoleHistory,
		Flush:   flush,
	})
}

// deliverers lists every adapter the outbox sender delivers through.
func deliverers(term *console.Adapter, platforms []chatPlatform) []bot.Deliverer {
	var out []bot.Deliverer
	if term != nil {
		out = append(out, term)
	}
	for _, p := range platforms {
		out = append(out, p.deliverers()...)
	}
	return out
}

// run serves until ctx is done or the terminal's input ends, then shuts
// down: stop taking requests, let the workers finish what is in flight
// (an action run records its outcome), deliver what is due within the
// budget, wait for the rest of the background work.
func run(ctx context.Context, log *slog.Logger, srv *http.Server, ln net.Listener, sender *bot.Sender,
	platforms []chatPlatform, term *console.Adapter, stdin io.Reader, stopWorkers func()) error {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http server: %w", err)
			stop()
		}
	}()
	go func() {
		defer wg.Done()
		_ = sender.Run(runCtx)
	}()
	for _, p := range platforms {
		p.start(runCtx, &wg)
	}
	if term != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := term.Run(runCtx, stdin); err != nil && runCtx.Err() == nil {
				errs <- fmt.Errorf("terminal: %w", err)
			}
			stop() // the terminal closing ends the session
		}()
	}
	<-runCtx.Done()
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutCtx)
	stopWorkers()
	// Deliver what is due before closing, within the shutdown budget.
	if err := sender.Drain(shutCtx); err != nil {
		log.Warn("outbox not fully flushed; it will be delivered at the next start", "err", err)
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// EngineOptions builds the engine's options from the configuration and
// its features: every command and hook the engine runs.
func EngineOptions(cfg *config.Config, f *features, log *slog.Logger) bot.Options {
	groups := incident.Groups{}
	for name, members := range cfg.Groups {
		groups[name] = members
	}
	var responders []incident.Actor
	for _, r := range append(slices.Clone(cfg.Slack.Responders), cfg.Discord.Responders...) {
		responders = append(responders, expandRef(r, groups)...)
	}
	return bot.Options{
		Store:    f.store,
		Clock:    f.clock,
		Logger:   log,
		Commands: f.commands(),
		Hooks:    f.hooks(),
		Panels:   f.panels(),
		Permissions: bot.Permissions{
			Resolve:     cfg.Permissions.Resolve,
			Severity:    cfg.Permissions.Severity,
			ImpactStart: cfg.Permissions.ImpactStart,
			Lead:        cfg.Permissions.Lead,
			Rename:      cfg.Permissions.Rename,
			Roles:       cfg.Permissions.Roles,
		},
		Roles:      cfg.Roles,
		Groups:     groups,
		Responders: responders,
		PublicURL:  cfg.PublicURL,
		Links:      reportLinks(cfg),
		ActionsFor: f.actionsFor(),
	}
}

// expandRef turns "slack:U1" or "group:sre" into actors.
func expandRef(ref string, groups incident.Groups) []incident.Actor {
	if name, ok := strings.CutPrefix(ref, "group:"); ok {
		var out []incident.Actor
		for _, m := range groups[name] {
			out = append(out, expandRef(m, groups)...)
		}
		return out
	}
	a, err := config.ParseUser(ref)
	if err != nil {
		return nil
	}
	return []incident.Actor{a}
}

// consoleUser is the terminal's user: console:$USER.
func consoleUser() incident.Actor {
	name := os.Getenv("USER")
	if name == "" {
		name = "you"
	}
	return incident.Actor{Platform: console.Platform, ID: name, Name: name}
}
