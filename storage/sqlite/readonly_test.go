package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tourniquet/tourniquet/storage/sqlite"
)

// A command that only reads opens with ReadOnly: a missing file is
// ErrNoDatabase and nothing is created, not even its directory.
func TestReadOnlyCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "t.db")
	s, err := sqlite.Open(ctxFor(t), p, sqlite.ReadOnly())
	if !errors.Is(err, sqlite.ErrNoDatabase) {
		if s != nil {
			_ = s.Close()
		}
		t.Fatalf("Open(missing, ReadOnly) = %v; want ErrNoDatabase", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("Open left %v behind", left)
	}
}

// A read-only store reads what the bot wrote, and refuses to write or to
// migrate.
func TestReadOnlyReadsButNeverWrites(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.db")
	rw := open(t, p)
	inc := declare(t, rw, "persisted")
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(ctxFor(t), p, sqlite.ReadOnly())
	if err != nil {
		t.Fatalf("Open(ReadOnly): %v", err)
	}
	defer s.Close()
	if ok, err := s.MigrationsCurrent(ctxFor(t)); err != nil || !ok {
		t.Errorf("MigrationsCurrent = %v, %v; want true", ok, err)
	}
	got, err := s.GetIncident(ctxFor(t), inc.ID)
	if err != nil || got.Title != "persisted" {
		t.Fatalf("GetIncident = %v, %v", got, err)
	}
	other := *got
	other.ID, other.Key = 0, ""
	if err := s.CreateIncident(ctxFor(t), &other); err == nil {
		t.Error("a read-only store created an incident")
	}
}

// Asking whether migrations are current does not migrate, nor create
// goose's table: an empty file stays empty.
func TestMigrationsCurrentWritesNothing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.db")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(ctxFor(t), p, sqlite.ReadOnly())
	if err != nil {
		t.Fatalf("Open(ReadOnly): %v", err)
	}
	defer s.Close()
	if ok, err := s.MigrationsCurrent(ctxFor(t)); err != nil || ok {
		t.Errorf("MigrationsCurrent on an empty file = %v, %v; want false, nil", ok, err)
	}
	if err := s.Migrate(ctxFor(t)); err == nil {
		t.Error("a read-only store migrated")
	}
	if st, err := os.Stat(p); err != nil || st.Size() != 0 {
		t.Errorf("the file changed: %v, %v", st, err)
	}
}
