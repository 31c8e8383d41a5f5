package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/cmd/internal/app"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/sqlite"
)

// cmdReadiness prints the readiness of every service: its safe moves, who
// may run them, whether their credentials work (a read-only preflight of
// each, run now), when they last ran and were drilled, and a score. With
// --min-score it exits 1 when a service scores under it, for CI. The
// database is read, never created or migrated; without one the runs and
// drills are "never".
func cmdReadiness(ctx context.Context, c command, args []string, o stdio) int {
	stdout, stderr := o.out, o.errOut
	fs, cfgPath := c.flags()
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	minScore := fs.Int("min-score", 0, "exit 1 when a service scores under `N` (0 to 100)")
	if code, done := c.parse(fs, args, o); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tourniquet readiness: unexpected argument %q\n\n", fs.Arg(0))
		c.usage(stderr, fs)
		return 2
	}
	if *minScore < 0 || *minScore > 100 {
		fmt.Fprintf(stderr, "tourniquet readiness: --min-score must be from 0 to 100, not %d\n", *minScore)
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
	var store storage.Store
	switch s, err := app.OpenStoreReadOnly(ctx, cfg.DatabaseURL, 8*time.Second, log); {
	case errors.Is(err, sqlite.ErrNoDatabase):
		fmt.Fprintf(stderr, "note: no database at %s: last runs and drills are unknown\n", cfg.RedactedDatabaseURL())
	case err != nil:
		fmt.Fprintf(stderr, "note: the database is unavailable (%v): last runs and drills are unknown\n", err)
	default:
		defer s.Close()
		if ok, err := s.MigrationsCurrent(ctx); err == nil && ok {
			store = s
		} else {
			fmt.Fprintf(stderr, "note: the database at %s is not migrated: last runs and drills are unknown\n", databaseName(cfg))
		}
	}
	r, err := app.ReadinessReport(ctx, cfg, store, clock.Real{}.Now, nil)
	if err != nil {
		return fail(stderr, err)
	}
	if *asJSON {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "%s\n", b)
	} else if err := r.WriteTable(stdout); err != nil {
		return fail(stderr, err)
	}
	if low := r.Lowest(); *minScore > 0 && low < *minScore {
		for _, s := range r.Services {
			if s.Score < *minScore {
				fmt.Fprintf(stderr, "readiness: %s scores %d, under --min-score %d\n", s.Service, s.Score, *minScore)
			}
		}
		return 1
	}
	return 0
}
