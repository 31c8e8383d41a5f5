package sqlite

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tourniquet/tourniquet/migrations"
	"github.com/tourniquet/tourniquet/storage"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func openTest(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(testCtx(t), filepath.Join(t.TempDir(), "t.db"), opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func pragma(t *testing.T, db dbtx, name string) string {
	t.Helper()
	var v string
	if err := db.QueryRowContext(testCtx(t), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestConnectionSettings(t *testing.T) {
	s := openTest(t, WithBusyTimeout(1500*time.Millisecond), WithMaxReaders(2))
	if got := s.writer.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want 1", got)
	}
	if got := s.readers.Stats().MaxOpenConnections; got != 2 {
		t.Errorf("readers MaxOpenConnections = %d, want 2", got)
	}
	for name, want := range map[string]string{
		"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "1500", "synchronous": "2", "query_only": "0",
	} {
		if got := pragma(t, s.writer, name); got != want {
			t.Errorf("writer %s = %s, want %s", name, got, want)
		}
	}
	for name, want := range map[string]string{
		"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "1500", "query_only": "1",
	} {
		if got := pragma(t, s.readers, name); got != want {
			t.Errorf("reader %s = %s, want %s", name, got, want)
		}
	}
	// The writer begins transactions IMMEDIATE: once one is open, another
	// connection cannot even start a write transaction.
	tx, err := s.writer.BeginTx(testCtx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	other, err := Open(testCtx(t), s.path, WithBusyTimeout(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close() }()
	otx, err := other.writer.BeginTx(testCtx(t), nil)
	if err == nil {
		_ = otx.Rollback()
		t.Error("a second writer began a transaction while the first held one: BEGIN is not IMMEDIATE")
	}
}

func TestTimeEncodingSortsAsTime(t *testing.T) {
	zone := time.FixedZone("X", -5*3600)
	times := []time.Time{
		time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 12, 0, 0, 1000, time.UTC),
		time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC),
		time.Date(2026, 3, 1, 8, 0, 1, 0, zone), // 13:00:01 UTC
		time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		a, b := encTime(times[i-1]), encTime(times[i])
		if !(a < b) {
			t.Errorf("encTime(%v) = %s does not sort before encTime(%v) = %s", times[i-1], a, times[i], b)
		}
	}
	for _, tm := range times {
		got, err := decTime(encTime(tm))
		if err != nil || !got.Equal(tm) {
			t.Errorf("decTime(encTime(%v)) = %v, %v", tm, got, err)
		}
	}
}

func migrationFS(t *testing.T, extra map[string]string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(migrations.SQLite(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.SQLite(), p)
		if err != nil {
			return err
		}
		fsys[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range extra {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func tables(t *testing.T, s *Store) map[string]bool {
	t.Helper()
	rows, err := s.writer.QueryContext(testCtx(t), `SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[n] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBrokenMigrationLeavesSchemaUnchanged(t *testing.T) {
	const broken = `-- +goose Up
CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE INDEX widgets_name_idx ON widgets (name);
INSERT INTO widgets (name) VALUES ('one');
ALTER TABLE incidents ADD COLUMN widget_id INTEGER;
INSERT INTO no_such_table VALUES (1);

-- +goose Down
DROP TABLE widgets;
`
	s := openTest(t, withMigrations(migrationFS(t, map[string]string{"00099_broken.sql": broken})))
	err := s.Migrate(testCtx(t))
	if err == nil {
		t.Fatal("Migrate with a broken migration succeeded")
	}
	if !strings.Contains(err.Error(), "00099_broken.sql") {
		t.Errorf("Migrate error %q does not name the file", err)
	}
	have := tables(t, s)
	if !have["incidents"] || !have["events_no_update"] {
		t.Errorf("the good migration was not applied: %v", have)
	}
	if have["widgets"] || have["widgets_name_idx"] {
		t.Errorf("the broken migration left objects behind: %v", have)
	}
	var cols int
	if err := s.writer.QueryRowContext(testCtx(t),
		`SELECT count(*) FROM pragma_table_info('incidents') WHERE name = 'widget_id'`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if cols != 0 {
		t.Error("the broken migration's ALTER TABLE was kept")
	}
	if ok, err := s.MigrationsCurrent(testCtx(t)); err != nil || ok {
		t.Errorf("MigrationsCurrent after a failed migration = %v, %v; want false, nil", ok, err)
	}
	var version int64
	if err := s.writer.QueryRowContext(testCtx(t), `SELECT max(version_id) FROM goose_db_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version == 0 || version >= 99 {
		t.Errorf("recorded version %d, want the last good migration (below 99)", version)
	}
	// The store still works at the old version.
	if err := s.PutMessageRef(testCtx(t), "k", storage.MessageRef{Platform: "slack", ChannelID: "C", MessageID: "1"}); err != nil {
		t.Errorf("store after a failed migration: %v", err)
	}
}

func TestBrokenFirstMigrationLeavesNothing(t *testing.T) {
	fsys := fstest.MapFS{"00001_broken.sql": &fstest.MapFile{Data: []byte(`-- +goose Up
CREATE TABLE a (id INTEGER);
CREATE TABLE b (id INTEGER REFERENCES nowhere(id)) STRICT WITHOUT ROWID;
`)}}
	s := openTest(t, withMigrations(fsys))
	err := s.Migrate(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "00001_broken.sql") {
		t.Fatalf("Migrate = %v, want an error naming 00001_broken.sql", err)
	}
	if have := tables(t, s); have["a"] || have["b"] {
		t.Errorf("tables left behind: %v", have)
	}
}

// Migrations commit without fsync (see Migrate); the writer must be back
// to synchronous=FULL once they are applied, or every acknowledged command
// after them could be lost to a power cut.
func TestMigrateLeavesWriterSynchronousFull(t *testing.T) {
	s := openTest(t)
	if err := s.Migrate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got := pragma(t, s.writer, "synchronous"); got != "2" {
		t.Errorf("writer synchronous after Migrate = %s, want 2 (FULL)", got)
	}
	if err := s.Migrate(testCtx(t)); err != nil { // nothing pending
		t.Fatal(err)
	}
	if got := pragma(t, s.writer, "synchronous"); got != "2" {
		t.Errorf("writer synchronous after a second Migrate = %s, want 2 (FULL)", got)
	}
}
