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
	results, err := s.provider.Up(ctx)
	if err != nil {
		var pe *goose.PartialError
		if errors.As(err, &pe) && pe.Failed != nil && pe.Failed.Source != nil {
			return fmt.Errorf("migrate sqlite: %s: %w", path.Base(pe.Failed.Source.Path), err)
		}
		return fmt.Errorf("migrate sqlite: %w", err)
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
