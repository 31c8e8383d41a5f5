package storagetest

import (
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
