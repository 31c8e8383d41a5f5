package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/postgres"
)

// PostgresEnv names the variable holding the test database's URL.
const PostgresEnv = "TOURNIQUET_TEST_DATABASE_URL"

// NewPostgres returns a migrated Postgres store in a fresh schema of the
// database at $TOURNIQUET_TEST_DATABASE_URL, closed and dropped when the
// test ends. Without the variable the test is skipped, or fails when
// CI=true.
func NewPostgres(t testing.TB) storage.Store {
	t.Helper()
	u := PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := postgres.Open(ctx, u, postgres.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() }) // runs before the schema is dropped
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres store: %v", err)
	}
	return s
}

// PostgresURL creates a fresh empty schema tq_<random hex> in the database
// at $TOURNIQUET_TEST_DATABASE_URL and returns that URL with the schema as
// its search_path, so parallel tests, packages and whole server processes
// never see each other's rows. The schema is dropped (CASCADE) when the
// test ends; stop anything using it in an earlier-registered cleanup (that
// is, register it after calling PostgresURL). Without the variable the test
// is skipped, or fails when CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set (CI=true: Postgres tests must run)", PostgresEnv)
		}
		t.Skipf("%s is not set; skipping Postgres test", PostgresEnv)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "tq_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath sets search_path in a URL or key=value connection string.
func withSearchPath(t testing.TB, base, schema string) string {
	t.Helper()
	if !strings.Contains(base, "://") {
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	if err != nil {
		// Not err: url.Parse quotes the URL, password included.
		t.Fatalf("%s is not a valid URL", PostgresEnv)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
