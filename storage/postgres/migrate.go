package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/tourniquet/tourniquet/migrations"
)

// versionTable is goose's bookkeeping table, in the store's schema.
const versionTable = "goose_db_version"

// Migrate applies pending migrations, each in its own transaction: a
// migration that fails leaves the schema as it was before it, and the error
// names its file. (An index built CONCURRENTLY cannot be built in a
// transaction; such a migration is written to be run again after a
// failure.) Replicas migrating together take turns on an advisory
// lock specific to the schema.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrateFS(ctx, migrations.Postgres())
}

// MigrationsCurrent reports whether no migration is pending. It does not
// write: a database never migrated reports false.
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	return s.migrationsCurrentFS(ctx, migrations.Postgres())
}

func (s *Store) migrateFS(ctx context.Context, fsys fs.FS) error {
	p, db, err := s.provider(ctx, fsys)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := p.Up(ctx)
	if err != nil {
		var pe *goose.PartialError
		if errors.As(err, &pe) && pe.Failed != nil && pe.Failed.Source != nil {
			return fmt.Errorf("migrate: %s: %w", path.Base(pe.Failed.Source.Path), pe.Err)
		}
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range res {
		s.log.Info("applied migration", "file", path.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}

func (s *Store) migrationsCurrentFS(ctx context.Context, fsys fs.FS) (bool, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", versionTable).Scan(&exists); err != nil {
		return false, fmt.Errorf("check migrations: %w", err)
	}
	if !exists {
		return false, nil
	}
	p, db, err := s.provider(ctx, fsys)
	if err != nil {
		return false, err
	}
	defer db.Close()
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("check migrations: %w", err)
	}
	return !pending, nil
}

// provider returns a goose provider over the store's pool; close the
// returned *sql.DB after use (it does not close the pool).
func (s *Store) provider(ctx context.Context, fsys fs.FS) (*goose.Provider, *sql.DB, error) {
	var schema *string
	if err := s.pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, nil, fmt.Errorf("migrate: current schema: %w", err)
	}
	if schema == nil {
		return nil, nil, fmt.Errorf("migrate: no schema named in search_path %q exists; create it first",
			s.connCfg.RuntimeParams["search_path"])
	}
	// Advisory locks are per database; key ours by schema so that
	// installations in separate schemas do not wait for each other.
	h := fnv.New64a()
	h.Write([]byte("tourniquet migrate " + *schema))
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64())),
		lock.WithLockTimeout(1, 600), // retry every second for 10 minutes
	)
	if err != nil {
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	db := stdlib.OpenDBFromPool(s.pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	return p, db, nil
}
