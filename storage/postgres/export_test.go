package postgres

import (
	"context"
	"io/fs"

	"github.com/jackc/pgx/v5/pgconn"
)

// MigrateFS is Migrate with other migrations, for tests.
func (s *Store) MigrateFS(ctx context.Context, fsys fs.FS) error { return s.migrateFS(ctx, fsys) }

// MigrationsCurrentFS is MigrationsCurrent with other migrations, for tests.
func (s *Store) MigrationsCurrentFS(ctx context.Context, fsys fs.FS) (bool, error) {
	return s.migrationsCurrentFS(ctx, fsys)
}

// ListenerPID is the backend PID of the outbox listener, 0 when it is not
// connected.
func (s *Store) ListenerPID() uint32 { return s.listenerPID.Load() }

// WithDial makes the store's connections with dial.
func WithDial(dial pgconn.DialFunc) Option { return func(o *options) { o.dial = dial } }
