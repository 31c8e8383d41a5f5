package postgres_test

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/migrations"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// Upgrading frees the channels the old rule blocked for good: a resolved
// incident declared "here" gives its channel back; an open one keeps it
// until it is resolved; a channel opened for an incident stays its own.
func TestMigrationReleasesChannelsOfResolvedDeclareHere(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	s := open(t, u)
	ctx := t.Context()
	v5 := fstest.MapFS{}
	entries, err := fs.ReadDir(migrations.Postgres(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() < "00006" {
			b, err := fs.ReadFile(migrations.Postgres(), e.Name())
			if err != nil {
				t.Fatal(err)
			}
			v5[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	if err := s.MigrateFS(ctx, v5); err != nil {
		t.Fatalf("migrate to 00005: %v", err)
	}
	c := rawConn(t, u)
	for _, stmt := range []string{
		`INSERT INTO incidents (id, title, severity, impact, cause, state, impact_started_at, declared_at, resolved_at) VALUES
		 (1, 'here, resolved', 'sev2', 'ongoing', 'unknown', 'resolved', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z', '2026-03-01T13:00:00Z'),
		 (2, 'here, open', 'sev2', 'ongoing', 'unknown', 'open', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z', NULL),
		 (3, 'own channel, resolved', 'sev2', 'ongoing', 'unknown', 'resolved', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z')`,
		`INSERT INTO incident_channels (incident_id, platform, channel_id)
		 VALUES (1, 'slack', 'CINCIDENTS'), (2, 'slack', 'CWAR'), (3, 'slack', 'CINC3')`,
		`INSERT INTO events (incident_id, seq, at, kind, data) VALUES
		 (1, 1, '2026-03-01T12:00:00Z', 'declared', '{"here":true,"channel":"slack:CINCIDENTS","severity":"sev2"}'),
		 (2, 1, '2026-03-01T12:00:00Z', 'declared', '{"here":true,"channel":"slack:CWAR","severity":"sev2"}'),
		 (3, 1, '2026-03-01T12:00:00Z', 'declared', '{"here":false,"channel":"slack:CLOBBY","severity":"sev2"}')`,
	} {
		if _, err := c.Exec(ctx, stmt); err != nil {
			t.Fatalf("%v", err)
		}
	}
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
