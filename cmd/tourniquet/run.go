package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/tourniquet/tourniquet/cmd/internal/app"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/words"
)

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	o := stdio{in: stdin, out: stdout, errOut: stderr, getenv: getenv}
	name := "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "--help" || a == "-help":
			name, args = "help", args[1:]
		case a == "--version" || a == "-version":
			name, args = "version", args[1:]
		case !strings.HasPrefix(a, "-"):
			name, args = a, args[1:]
		}
	}
	c, ok := lookup(name)
	if !ok {
		return unknown(stderr, name)
	}
	return c.run(ctx, c, args, o)
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

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "tourniquet: %v\n", err)
	return 1
}

func cmdServe(ctx context.Context, c command, args []string, o stdio) int {
	stdin, stdout, stderr, getenv := o.in, o.out, o.errOut, o.getenv
	fs, cfgPath := c.flags()
	consoleFlag := fs.Bool("console", false, "attach the terminal chat even when a chat platform is configured")
	if code, done := c.parse(fs, args, o); done {
		return code
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		return fail(stderr, err)
	}
	// A person typing into the terminal chat shares the screen with stderr:
	// logs go to a file then (see logging.go), and lines are kept.
	platform := cfg.Slack.Enabled() || cfg.Discord.Enabled()
	typing := (*consoleFlag || !platform) && isReaderTTY(stdin) && isTTY(stdout)
	logPath, history := cfg.Log.File, ""
	if typing {
		history = historyFile(getenv)
		if logPath == "" && isTTY(stderr) {
			logPath = interactiveLogFile(getenv)
		}
	}
	log, closeLog, err := openLogger(cfg, logPath, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer closeLog()
	if typing && logPath != "" {
		if abs, err := filepath.Abs(logPath); err == nil {
			logPath = abs
		}
		fmt.Fprintf(stderr, "Logs go to %s (TOURNIQUET_LOG_FILE or log.file changes that).\n", logPath)
		for _, w := range cfg.Warnings {
			fmt.Fprintf(stderr, "warning: %s\n", w.String())
		}
	}
	for _, w := range cfg.Warnings {
		log.Warn("configuration", "problem", w.String())
	}
	err = app.Serve(ctx, app.ServeOptions{
		Config: cfg, Console: *consoleFlag, Stdin: stdin, Stdout: stdout, StdoutTTY: isTTY(stdout), StdinTTY: isReaderTTY(stdin), NoConsoleInput: isNullInput(stdin), Logger: log,
		ConsoleHistory: history,
	})
	if err != nil {
		return fail(stderr, err)
	}
	return 0
}

func cmdMigrate(ctx context.Context, c command, args []string, o stdio) int {
	stderr, getenv := o.errOut, o.getenv
	fs, cfgPath := c.flags()
	if code, done := c.parse(fs, args, o); done {
		return code
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		return fail(stderr, err)
	}
	log, closeLog, err := openLogger(cfg, cfg.Log.File, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer closeLog()
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

func cmdCheckConfig(_ context.Context, c command, args []string, o stdio) int {
	stdout, stderr, getenv := o.out, o.errOut, o.getenv
	fs, cfgPath := c.flags()
	if code, done := c.parse(fs, args, o); done {
		return code
	}
	path := config.ConfigPath(*cfgPath, getenv)
	cfg, err := app.LoadConfig(path, getenv, os.ReadFile)
	var cerr *config.Errors
	if errors.As(err, &cerr) {
		fmt.Fprintln(stderr, cerr.Error())
		fmt.Fprintln(stderr, words.Count(len(cerr.Problems), "problem found", "problems found"))
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
