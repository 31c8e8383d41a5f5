package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/app"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/logctx"
	"github.com/tourniquet/tourniquet/timeline"
)

const usageText = `Usage:
  tourniquet [serve] [--config FILE] [--console]   run the bot (default)
  tourniquet migrate [--config FILE]               apply database migrations and exit
  tourniquet export INCIDENT --format json|md      print one incident's timeline (INC-7 or 7)
  tourniquet check-config [--config FILE]          validate the configuration, print every problem
  tourniquet version                               print the version
`

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	sub := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "serve":
		return cmdServe(ctx, args, stdin, stdout, stderr, getenv)
	case "migrate":
		return cmdMigrate(ctx, args, stderr, getenv)
	case "export":
		return cmdExport(ctx, args, stdout, stderr, getenv)
	case "check-config":
		return cmdCheckConfig(args, stdout, stderr, getenv)
	case "version", "--version":
		fmt.Fprintf(stdout, "tourniquet %s\n", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageText)
		return 0
	}
	fmt.Fprintf(stderr, "tourniquet: unknown command %q\n\n%s", sub, usageText)
	return 2
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("tourniquet "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "YAML configuration `file` (default $TOURNIQUET_CONFIG)")
	return fs, cfgPath
}

func loadConfig(path string, getenv func(string) string) (*config.Config, error) {
	return app.LoadConfig(config.ConfigPath(path, getenv), getenv, os.ReadFile)
}

func isTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func isReaderTTY(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// isNullInput reports whether r is a character device that is not a
// terminal, like /dev/null in a container: no one can type there.
func isNullInput(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && !isatty.IsTerminal(f.Fd())
}

func newLogger(cfg *config.Config, stderr io.Writer) *slog.Logger {
	return slog.New(logctx.New(cfg.Log.Handler(stderr, isTTY(stderr))))
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "tourniquet: %v\n", err)
	return 1
}

func cmdServe(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs, cfgPath := newFlags("serve", stderr)
	consoleFlag := fs.Bool("console", false, "attach the terminal chat even when a chat platform is configured")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		return fail(stderr, err)
	}
	log := newLogger(cfg, stderr)
	for _, w := range cfg.Warnings {
		log.Warn("configuration", "problem", w.String())
	}
	err = app.Serve(ctx, app.ServeOptions{
		Config: cfg, Console: *consoleFlag, Stdin: stdin, Stdout: stdout, StdoutTTY: isTTY(stdout), StdinTTY: isReaderTTY(stdin), NoConsoleInput: isNullInput(stdin), Logger: log,
	})
	if err != nil {
		return fail(stderr, err)
	}
	return 0
}

func cmdMigrate(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) int {
	fs, cfgPath := newFlags("migrate", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		return fail(stderr, err)
	}
	log := newLogger(cfg, stderr)
	store, err := app.OpenStore(ctx, cfg.DatabaseURL, 8*time.Second, log)
	if err != nil {
		return fail(stderr, err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return fail(stderr, fmt.Errorf("migrate: %w", err))
	}
	log.Info("migrations applied", "dialect", store.Dialect(), "database", cfg.RedactedDatabaseURL())
	return 0
}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs, cfgPath := newFlags("export", stderr)
	format := fs.String("format", "json", "output `format`: json or md")
	// Accept the incident before or after the flags.
	var key string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		key, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if key == "" && fs.NArg() > 0 {
		key = fs.Arg(0)
	}
	if key == "" {
		fmt.Fprint(stderr, "tourniquet export: which incident? (INC-7 or 7)\n\n"+usageText)
		return 2
	}
	if *format != "json" && *format != "md" {
		fmt.Fprintf(stderr, "tourniquet export: --format must be json or md, not %q\n", *format)
		return 2
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		return fail(stderr, err)
	}
	store, err := app.OpenStore(ctx, cfg.DatabaseURL, 8*time.Second, newLogger(cfg, stderr))
	if err != nil {
		return fail(stderr, err)
	}
	defer store.Close()
	if ok, err := store.MigrationsCurrent(ctx); err != nil || !ok {
		return fail(stderr, errors.New("the database is not migrated: run `tourniquet migrate` first"))
	}
	x, err := timeline.Load(ctx, store, key, clock.Real{}.Now())
	if err != nil {
		return fail(stderr, err)
	}
	if *format == "md" {
		fmt.Fprint(stdout, x.Markdown())
		return 0
	}
	b, err := x.JSON()
	if err != nil {
		return fail(stderr, err)
	}
	_, _ = stdout.Write(b)
	return 0
}

func cmdCheckConfig(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs, cfgPath := newFlags("check-config", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	path := config.ConfigPath(*cfgPath, getenv)
	cfg, err := app.LoadConfig(path, getenv, os.ReadFile)
	var cerr *config.Errors
	if errors.As(err, &cerr) {
		fmt.Fprintln(stderr, cerr.Error())
		fmt.Fprintf(stderr, "%d problem(s) found\n", len(cerr.Problems))
		return 1
	}
	if err != nil {
		return fail(stderr, err)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w.String())
	}
	where := path
	if where == "" {
		where = "defaults and environment"
	}
	fmt.Fprintf(stdout, "configuration OK (%s)\n", where)
	return 0
}
