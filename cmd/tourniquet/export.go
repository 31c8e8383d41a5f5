package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/cmd/internal/app"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage/sqlite"
	"github.com/tourniquet/tourniquet/timeline/web"
)

// cmdExport prints one incident's timeline. It only reads: the database is
// opened read-only, so running it where the bot never ran creates no empty
// database, and the error says which database it looked in.
func cmdExport(ctx context.Context, c command, args []string, o stdio) int {
	stdout, stderr := o.out, o.errOut
	fs, cfgPath := c.flags()
	format := fs.String("format", "json", "output `format`: json or md")
	// Accept the incident before or after the flags.
	var key string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		key, args = args[0], args[1:]
	}
	if code, done := c.parse(fs, args, o); done {
		return code
	}
	if key == "" && fs.NArg() > 0 {
		key = fs.Arg(0)
	}
	if key == "" {
		fmt.Fprint(stderr, "tourniquet export: which incident? (INC-7 or 7)\n\n")
		c.usage(stderr, fs)
		return 2
	}
	if *format != "json" && *format != "md" {
		fmt.Fprintf(stderr, "tourniquet export: --format must be json or md, not %q\n", *format)
		return 2
	}
	cfg, err := loadConfig(*cfgPath, o.getenv)
	if err != nil {
		return fail(stderr, err)
	}
	log, closeLog, err := openLogger(cfg, cfg.Log.File, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	defer closeLog()
	where := databaseName(cfg)
	store, err := app.OpenStoreReadOnly(ctx, cfg.DatabaseURL, 8*time.Second, log)
	if errors.Is(err, sqlite.ErrNoDatabase) {
		return fail(stderr, fmt.Errorf("no database at %s (looked in %s); set TOURNIQUET_DATABASE_URL or run from where the bot ran",
			cfg.RedactedDatabaseURL(), sqlitePath(cfg)))
	}
	if err != nil {
		return fail(stderr, err)
	}
	defer store.Close()
	switch ok, err := store.MigrationsCurrent(ctx); {
	case err != nil:
		return fail(stderr, fmt.Errorf("the database at %s: %w", where, err))
	case !ok:
		return fail(stderr, fmt.Errorf("the database at %s is not migrated: run `tourniquet migrate` first, or set TOURNIQUET_DATABASE_URL to the bot's database", where))
	}
	x, err := web.Load(ctx, store, key, clock.Real{}.Now(), cfg.Changes.Window)
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

// databaseName names the configured database for a person: the URL
// without its password, and for SQLite the file's absolute path too.
func databaseName(cfg *config.Config) string {
	if p := sqlitePath(cfg); p != "" {
		return fmt.Sprintf("%s (%s)", cfg.RedactedDatabaseURL(), p)
	}
	return cfg.RedactedDatabaseURL()
}

// sqlitePath is the absolute path of the configured SQLite file, or ""
// when the database is not SQLite.
func sqlitePath(cfg *config.Config) string {
	p := cfg.SQLitePath()
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
