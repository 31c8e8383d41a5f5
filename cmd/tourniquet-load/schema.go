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
	u.RawQuery = q.Encode()
	drop := func() { _ = exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") }
	return u.String(), drop, nil
}
