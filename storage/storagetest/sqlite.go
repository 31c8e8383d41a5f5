package storagetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/sqlite"
)

// NewSQLite returns a migrated SQLite store in a file of a fresh
// t.TempDir(), closed when the test ends.
func NewSQLite(t testing.TB) storage.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tourniquet.db"))
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close sqlite store: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite store: %v", err)
	}
	return s
}
