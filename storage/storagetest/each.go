package storagetest

import (
	"os"
	"testing"

	"github.com/tourniquet/tourniquet/storage"
)

// ForEach runs fn once per store implementation, as a subtest named after
// the dialect, each with a fresh empty migrated store. Postgres is skipped
// outside CI when TOURNIQUET_TEST_DATABASE_URL is unset, and fails in CI.
func ForEach(t *testing.T, fn func(t *testing.T, s storage.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, NewSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, NewPostgres(t)) })
}

// New returns one migrated store for a test, benchmark or fuzz target that
// needs any: Postgres when $TOURNIQUET_TEST_DATABASE_URL is set (the store
// of record for teams, and stricter about text), else SQLite.
func New(t testing.TB) storage.Store {
	t.Helper()
	if os.Getenv(PostgresEnv) != "" {
		return NewPostgres(t)
	}
	return NewSQLite(t)
}
