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
	"strings"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/console"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/metrics"
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
	Logger         *slog.Logger
	Clock          clock.Clock
	// Ready, if set, is called with the HTTP address once the server listens.
	Ready func(addr string)
}

// openTimeout bounds how long starting waits for the database.
const openTimeout = 8 * time.Second

// Serve runs the bot until ctx is done (SIGINT/SIGTERM) or, with the
// terminal adapter, until its input ends. Shutdown stops taking work,
// finishes in-flight deliveries and closes the store.
func Serve(ctx context.Context, o ServeOptions) error {
	cfg := o.Config
	log := o.Logger
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	store, err := OpenStore(ctx, cfg.DatabaseURL, openTimeout, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	log.Info("store ready", "dialect", store.Dialect(), "database", cfg.RedactedDatabaseURL())

	engine := bot.NewEngine(EngineOptions(cfg, store, o.Clock, log))
	dc, err := newDiscord(cfg, engine, o.Clock, log)
	if err != nil {
		return err
	}
	sl, err := newSlack(cfg, engine, o.Clock, log)
	if err != nil {
		return err
	}

	var deliverers []bot.Deliverer
	useConsole := o.Console || (!cfg.Slack.Enabled() && !cfg.Discord.Enabled() && !o.NoConsoleInput)
	if !useConsole && !cfg.Slack.Enabled() && !cfg.Discord.Enabled() {
		log.Warn("no chat platform is configured and there is no terminal input: serving the web pages and API only")
	}
	var term *console.Adapter
	m := metrics.New()
	m.WatchStore(store, o.Clock.Now)
	stopCheckins, err := StartCheckins(ctx, cfg, engine, m, log)
	if err != nil {
		return err
	}
	defer stopCheckins()
	stopActions, err := StartActions(ctx, cfg, engine, m, log)
	if err != nil {
		return err
	}
	defer stopActions()
	reports, err := StartReports(ctx, cfg, engine, log)
	if err != nil {
		return err
	}
	defer reports.Stop()
	senderOpts := bot.SenderOptions{Store: store, Clock: o.Clock, Logger: log,
		OnResult: func(msg storage.OutboxMessage, result string, took time.Duration) {
			m.Delivery(msg.Platform, result, took)
		}}
	var sender *bot.Sender
	if useConsole {
		term = console.New(console.Options{
			Engine: engine,
			Out:    o.Stdout,
			User:   consoleUser(),
			Color:  o.StdoutTTY && os.Getenv("NO_COLOR") == "",
			Echo:   !o.StdinTTY,
			Flush:  func(ctx context.Context) error { return sender.Drain(ctx) },
		})
		deliverers = append(deliverers, term)
	}
	senderOpts.Deliverers = append(append(deliverers, dc.deliverers()...), sl.deliverers()...)
	sender = bot.NewSender(senderOpts)

	mux := http.NewServeMux()
	healthRoutes(mux, store, append(dc.readiness(), sl.readiness()...)...)
	dc.mount(mux)
	sl.mount(mux)
	mux.Handle("GET /metrics", m.Handler())
	reports.Mount(mux)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{Handler: instrument(mux, m, log), ReadHeaderTimeout: 5 * time.Second}
	log.Info("listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http server: %w", err)
			stop()
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = sender.Run(runCtx)
	}()
	dc.start(runCtx, &wg)
	sl.start(runCtx, &wg)
	if term != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := term.Run(runCtx, o.Stdin); err != nil && runCtx.Err() == nil {
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

// EngineOptions builds the engine's options from the configuration.
func EngineOptions(cfg *config.Config, store storage.Store, clk clock.Clock, log *slog.Logger) bot.Options {
	groups := incident.Groups{}
	for name, members := range cfg.Groups {
		groups[name] = members
	}
	var responders []incident.Actor
	for _, r := range cfg.Slack.Responders {
		responders = append(responders, expandRef(r, groups)...)
	}
	return bot.Options{
		Store:  store,
		Clock:  clk,
		Logger: log,
		Permissions: bot.Permissions{
			Resolve:     cfg.Permissions.Resolve,
			Severity:    cfg.Permissions.Severity,
			ImpactStart: cfg.Permissions.ImpactStart,
		},
		Groups:     groups,
		Responders: responders,
		PublicURL:  cfg.PublicURL,
		Links:      reportLinks(cfg),
		ActionsFor: actionButtons(cfg),
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
	a, err := incident.ParseUserRef(ref)
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
	return incident.Actor{Platform: incident.PlatformConsole, ID: name, Name: name}
}
