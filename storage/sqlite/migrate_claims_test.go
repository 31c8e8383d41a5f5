package sqlite

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Upgrading frees the channels the old rule blocked for good: a resolved
// incident declared "here" gives its channel back; an open one keeps it
// until it is resolved; a channel opened for an incident stays its own.
func TestMigrationReleasesChannelsOfResolvedDeclareHere(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "t.db")
	v5 := fstest.MapFS{}
	for name, f := range migrationFS(t, nil) {
		if name < "00006" {
			v5[name] = f
		}
	}
	old, err := Open(ctx, path, withMigrations(v5))
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const ts = "2026-03-01T12:00:00.000000000Z"
	for _, stmt := range []string{
		`INSERT INTO incidents (id, title, severity, impact, cause, state, impact_started_at, declared_at, resolved_at)
		 VALUES (1, 'here, resolved', 'sev2', 'ongoing', 'unknown', 'resolved', '` + ts + `', '` + ts + `', '2026-03-01T13:00:00.000000000Z'),
		        (2, 'here, open', 'sev2', 'ongoing', 'unknown', 'open', '` + ts + `', '` + ts + `', NULL),
		        (3, 'own channel, resolved', 'sev2', 'ongoing', 'unknown', 'resolved', '` + ts + `', '` + ts + `', '` + ts + `')`,
		`INSERT INTO incident_channels (incident_id, platform, channel_id)
		 VALUES (1, 'slack', 'CINCIDENTS'), (2, 'slack', 'CWAR'), (3, 'slack', 'CINC3')`,
		`INSERT INTO events (incident_id, seq, at, kind, data) VALUES
		 (1, 1, '` + ts + `', 'declared', '{"here":true,"channel":"slack:CINCIDENTS","severity":"sev2"}'),
		 (2, 1, '` + ts + `', 'declared', '{"here":true,"channel":"slack:CWAR","severity":"sev2"}'),
		 (3, 1, '` + ts + `', 'declared', '{"here":false,"channel":"slack:CLOBBY","severity":"sev2"}')`,
	} {
		if _, err := old.writer.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", strings.Fields(stmt)[2], err)
		}
	}
	_ = old.Close()

	s := openAt(t, path)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate to 00006: %v", err)
	}
	ch := func(id string) incident.ChannelRef { return incident.ChannelRef{Platform: "slack", ChannelID: id} }
	if _, err := s.GetIncidentByChannel(ctx, ch("CINCIDENTS")); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("#incidents is still held after the upgrade: %v", err)
	}
	if inc, err := s.GetIncident(ctx, 1); err != nil || len(inc.Channels) != 1 || inc.Channels[0] != ch("CINCIDENTS") || inc.Private {
		t.Errorf("INC-1 after the upgrade: %+v %v", inc, err)
	}
	if inc, err := s.GetIncidentByChannel(ctx, ch("CWAR")); err != nil || inc.ID != 2 {
		t.Errorf("the open incident lost its channel: %v %v", inc, err)
	}
	if rel, err := s.ReleaseIncidentChannels(ctx, 2, time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)); err != nil || len(rel) != 1 || rel[0] != ch("CWAR") {
		t.Errorf("the open incident's declare-here channel is not borrowed: %v %v", rel, err)
	}
	if inc, err := s.GetIncidentByChannel(ctx, ch("CINC3")); err != nil || inc.ID != 3 {
		t.Errorf("an own channel was released: %v %v", inc, err)
	}
}

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(testCtx(t), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
