package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// Bug 7: `tourniquet export` run where there is no database created an
// empty tourniquet.db and blamed migrations. It must create nothing and
// say where it looked.
func TestExportWithNoDatabaseCreatesNone(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	r := runCLI(t, nil, "", "export", "INC-1", "--format", "md")
	want := "tourniquet: no database at sqlite:tourniquet.db (looked in " + filepath.Join(dir, "tourniquet.db") +
		"); set TOURNIQUET_DATABASE_URL or run from where the bot ran\n"
	if r.code != 1 || r.stderr != want || r.stdout != "" {
		t.Errorf("export: exit %d\nstderr %q\nwant   %q", r.code, r.stderr, want)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("export left files behind: %v", left)
	}

	// A URL naming a file in a directory that does not exist either.
	missing := filepath.Join(dir, "nowhere", "tq.db")
	r = runCLI(t, map[string]string{"TOURNIQUET_DATABASE_URL": "sqlite:" + missing}, "", "export", "7")
	if r.code != 1 || !strings.Contains(r.stderr, "no database at sqlite:"+missing+" (looked in "+missing+")") {
		t.Errorf("export: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); !os.IsNotExist(err) {
		t.Errorf("export created the directory (stat: %v)", err)
	}
}

// A database file that is there but was never migrated (the empty file
// the bug used to leave) is named, left as it was, and not migrated.
func TestExportFromUnmigratedSQLiteSaysSo(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tourniquet.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	r := runCLI(t, nil, "", "export", "INC-1")
	want := "tourniquet: the database at sqlite:tourniquet.db (" + path + ") is not migrated: run `tourniquet migrate` first, or set TOURNIQUET_DATABASE_URL to the bot's database\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("export: exit %d\nstderr %q\nwant   %q", r.code, r.stderr, want)
	}
	if st, err := os.Stat(path); err != nil || st.Size() != 0 {
		t.Errorf("the database file was changed: %v, %v", st, err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("export left files behind: %v", left)
	}
}

// On Postgres, a schema without Tourniquet's tables is reported, naming
// the database, and export does not migrate it.
func TestExportFromUnmigratedPostgresSaysSo(t *testing.T) {
	url := storagetest.PostgresURL(t)
	r := runCLI(t, map[string]string{"TOURNIQUET_DATABASE_URL": url}, "", "export", "INC-1")
	if r.code != 1 || !strings.Contains(r.stderr, "is not migrated: run `tourniquet migrate` first") ||
		!strings.Contains(r.stderr, "127.0.0.1") {
		t.Errorf("export: exit %d, stderr %q", r.code, r.stderr)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var tables int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("export created %d tables", tables)
	}
}
