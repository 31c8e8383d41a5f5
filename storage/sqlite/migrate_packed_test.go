package sqlite

import (
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// awkwardEvents have fields a packed row must keep apart: colons, digits,
// an empty field, a NUL, multi-byte text, nested data.
func awkwardEvents() []incident.Event {
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	return []incident.Event{
		{At: at, Kind: incident.KindNote, Actor: incident.Actor{Platform: "slack", ID: "U1:2", Name: "12:34"},
			Text: "3:abc\x00:::", Source: "chat", Data: map[string]any{"k": "v:1", "n": 2.5}},
		{At: at.Add(time.Second), Kind: incident.KindNote, Actor: incident.Actor{Name: "Zoë 🚑"},
			Text: "", Data: map[string]any{"nested": map[string]any{"a": []any{"x", true, nil}}}},
	}
}

// An event is read back from the text packed when it was written exactly
// as the SELECT would pack its columns.
func TestEventsPackedWhenWritten(t *testing.T) {
	s := openMigrated(t)
	ctx := testCtx(t)
	inc := &incident.Incident{Title: "packed", Severity: "sev2", State: incident.StateOpen,
		Impact: incident.ImpactOngoing, Cause: incident.CauseUnknown, ImpactStartedAt: gcBase, DeclaredAt: gcBase}
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvents(ctx, inc.ID, awkwardEvents()...); err != nil {
		t.Fatal(err)
	}
	rows, err := s.readers.QueryContext(ctx, `SELECT packed IS NOT NULL AND packed = `+packEventSQL+`
		FROM events WHERE incident_id = ?`, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var same bool
		if err := rows.Scan(&same); err != nil {
			t.Fatal(err)
		}
		if !same {
			t.Errorf("event %d: stored packed text differs from the columns packed", n+1)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d events", n)
	}
}

// Events written before the packed column existed read back the same
// after the migration that adds it.
func TestMigrationPacksExistingEvents(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "t.db")
	before := fstest.MapFS{}
	for name, f := range migrationFS(t, nil) {
		if name < "00015" {
			before[name] = f
		}
	}
	old, err := Open(ctx, path, withMigrations(before))
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Written as a build before the migration wrote them: no packed text.
	const ts = "2026-03-01T12:00:00.000000000Z"
	if _, err := old.writer.ExecContext(ctx, `INSERT INTO incidents (id, title, severity, impact, cause, state, impact_started_at, declared_at)
		VALUES (1, 'old', 'sev2', 'ongoing', 'unknown', 'open', ?, ?)`, ts, ts); err != nil {
		t.Fatal(err)
	}
	for i, ev := range awkwardEvents() {
		data, err := encJSONMap(ev.Data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.writer.ExecContext(ctx, `INSERT INTO events (incident_id, seq, at, kind, actor_platform, actor_id, actor_name, text, source, data)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, i+1, encTime(ev.At), string(ev.Kind), ev.Actor.Platform, ev.Actor.ID,
			ev.Actor.Name, ev.Text, string(ev.Source), data); err != nil {
			t.Fatal(err)
		}
	}
	_ = old.Close()

	s := openAt(t, path)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var unpacked int
	if err := s.readers.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE packed IS NULL`).Scan(&unpacked); err != nil || unpacked != 0 {
		t.Errorf("%d events left unpacked (%v)", unpacked, err)
	}
	got, err := s.ListEvents(ctx, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := awkwardEvents()
	if len(got) != len(want) {
		t.Fatalf("%d events after the migration, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.At.Equal(w.At) || g.Kind != w.Kind || g.Actor != w.Actor || g.Text != w.Text || g.Source != w.Source ||
			!reflect.DeepEqual(g.Data, w.Data) || g.Seq != int64(i+1) || g.IncidentID != 1 {
			t.Errorf("event %d after the migration:\n%+v\nwritten:\n%+v", i+1, g, w)
		}
	}
	// Still append-only.
	if _, err := s.writer.ExecContext(ctx, `UPDATE events SET text = 'changed'`); err == nil {
		t.Error("events can be updated after the migration")
	}
}
