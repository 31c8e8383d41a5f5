package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

// queryRows runs sql on db and appends every row, read with scan, to dst;
// errors are mapped and wrapped with what. Callers pass nil or an empty
// slice, whichever their method returns when no row matches.
func queryRows[T any](ctx context.Context, db dbtx, what string, dst []T, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(what, err)
	}
	out, err := pgx.AppendRows(dst, rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
	if err != nil {
		return nil, mapErr(what, err)
	}
	return out, nil
}

// queryOne runs a one-row query on db and reads the row with scan; no row
// is ErrNotFound. Errors are mapped and wrapped with what.
func queryOne[T any](ctx context.Context, db dbtx, what string, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	v, err := scan(db.QueryRow(ctx, sql, args...))
	if err != nil {
		var zero T
		return zero, mapErr(what, err)
	}
	return v, nil
}

// claimRows returns the rows of a claim of at most limit rows (its sql
// locks them FOR UPDATE … SKIP LOCKED), an empty slice for a limit of 0 or
// less.
func claimRows[T any](ctx context.Context, db dbtx, what string, limit int, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	if limit <= 0 {
		return []T{}, nil
	}
	return queryRows(ctx, db, what, []T{}, scan, sql, args...)
}

// execOne runs a statement that must change a row; ErrNotFound when it
// changes none. Errors are mapped and wrapped with what.
func execOne(ctx context.Context, db dbtx, what, sql string, args ...any) error {
	tag, err := db.Exec(ctx, sql, args...)
	if err != nil {
		return mapErr(what, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
	}
	return nil
}
