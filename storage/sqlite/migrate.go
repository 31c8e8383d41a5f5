package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/pressly/goose/v3"
)

// Migrate applies pending migrations, each in its own transaction: a
// migration that fails leaves the schema as it was before it, and the error
// names its file. One process owns the file, so there is no race to guard.
func (s *Store) Migrate(ctx context.Context) error {
	if s.readOnly {
		return fmt.Errorf("migrate sqlite %s: the store is open read-only", s.path)
	}
	// Migrations commit with synchronous=NORMAL: with WAL, a commit then
	// skips its fsync, and a power cut can lose only the last commits
	// whole, schema change and goose's version row together, so the next
	// start applies them again. Twelve fsyncs were most of a fresh file's
	// start-up (45–60 ms of 130–160). FULL is back before any other write,
	// and the first commit after it syncs the WAL, migrations included.
	if _, err := s.writer.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return fmt.Errorf("migrate sqlite: %w", mapErr(err))
	}
	results, err := s.provider.Up(ctx)
	if _, serr := s.writer.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL"); serr != nil {
		// The writer must not go on without FULL: close it, so that no
		// command is acknowledged before its commit is on disk.
		_ = s.writer.Close()
		return fmt.Errorf("migrate sqlite: restore synchronous=FULL: %w", errors.Join(mapErr(serr), err))
	}
	if err != nil {
		var pe *goose.PartialError
		if errors.As(err, &pe) && pe.Failed != nil && pe.Failed.Source != nil {
			return fmt.Errorf("migrate sqlite: %s: %w", path.Base(pe.Failed.Source.Path), err)
		}
		return fmt.Errorf("migrate sqlite: %w", err)
	}
	if len(results) > 0 {
		// Applying migrations fills the writer's page cache and SQLite's
		// heap (a fresh file's idle RSS was 2.3 MiB above a restart's);
		// give back what SQLite can: the pages are read again on demand.
		// Best effort: a failure here costs memory, nothing else.
		_, _ = s.writer.ExecContext(ctx, "PRAGMA shrink_memory")
	}
	for _, r := range results {
		s.log.InfoContext(ctx, "migration applied",
			"dialect", Dialect,
			"file", path.Base(r.Source.Path),
			"version", r.Source.Version,
			"duration", r.Duration)
	}
	return nil
}

// MigrationsCurrent reports whether every migration has been applied. It
// does not write: a database never migrated reports false.
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	var tables int
	if err := s.readers.QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'").Scan(&tables); err != nil {
		return false, fmt.Errorf("check sqlite migrations: %w", mapErr(err))
	}
	if tables == 0 {
		return false, nil // goose would create its table to answer
	}
	pending, err := s.provider.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("check sqlite migrations: %w", err)
	}
	return !pending, nil
}
