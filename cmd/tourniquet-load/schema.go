package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// freshSchema creates an empty schema tqload_<hex> in the Postgres
// database at base and returns base with it as search_path, and a
// function that drops it.
func freshSchema(ctx context.Context, base string) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Not err: it would quote the URL, password included.
		return "", nil, fmt.Errorf("-database must be \"sqlite\" or a postgres:// URL")
	}
	schema := "tqload_" + randomHex(6)
	exec := func(ctx context.Context, sql string) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return fmt.Errorf("connect to %s: %w", u.Redacted(), err)
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	// The server's backends carry the schema's name, so that their CPU
	// time can be counted (backendPids).
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	drop := func() { _ = exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") }
	return u.String(), drop, nil
}

// backendPids lists the Postgres backends serving the server started on
// dbURL (by the application_name freshSchema set); none for SQLite.
func backendPids(ctx context.Context, dbURL string) []int {
	if dbURL == "" {
		return nil
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil
	}
	app := u.Query().Get("application_name")
	if app == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`, app)
	if err != nil {
		return nil
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil
	}
	out := make([]int, len(pids))
	for i, p := range pids {
		out[i] = int(p)
	}
	return out
}
