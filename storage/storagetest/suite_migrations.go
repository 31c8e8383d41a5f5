package storagetest

import (
	"testing"

	"github.com/tourniquet/tourniquet/storage"
)

func testMigrations(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	if d := s.Dialect(); d != "postgres" && d != "sqlite" {
		t.Errorf("Dialect() = %q, want postgres or sqlite", d)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	ok, err := s.MigrationsCurrent(ctx)
	if err != nil || !ok {
		t.Fatalf("MigrationsCurrent after Migrate = %v, %v; want true, nil", ok, err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	ok, err = s.MigrationsCurrent(ctx)
	if err != nil || !ok {
		t.Fatalf("MigrationsCurrent after second Migrate = %v, %v; want true, nil", ok, err)
	}
	// The schema still works and still holds data after a second Migrate.
	inc := mustCreate(t, s, newIncident("after migrate", base))
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("third Migrate: %v", err)
	}
	checkIncident(t, inc, mustGet(t, s, inc.ID))
}
