package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/tourniquet/tourniquet/storage"
)

// inTxFunc runs fn in a transaction: q.read or q.writeDB.
type inTxFunc func(ctx context.Context, fn func(db dbtx) error) error

// writeDB is write for a function that needs only the transaction.
func (q *querier) writeDB(ctx context.Context, fn func(db dbtx) error) error {
	return q.write(ctx, func(w *querier) error { return fn(w.tx) })
}

// queryRows runs query on db and appends every row, read with scan, to
// dst. Callers pass nil or an empty slice, whichever their method returns
// when no row matches.
func queryRows[T any](ctx context.Context, db dbtx, dst []T, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		dst = append(dst, v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return dst, nil
}

// queryAll is queryRows in a transaction of in, with errors wrapped with
// what.
func queryAll[T any](ctx context.Context, in inTxFunc, what string, dst []T, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := in(ctx, func(db dbtx) error {
		var err error
		out, err = queryRows(ctx, db, dst, scan, query, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// queryOne runs a one-row query in a transaction of in and reads the row
// with scan; no row is ErrNotFound. Errors are wrapped with what.
func queryOne[T any](ctx context.Context, in inTxFunc, what string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	var v T
	err := in(ctx, func(db dbtx) error {
		var err error
		v, err = scan(db.QueryRowContext(ctx, query, args...))
		return err
	})
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// claimRows returns the rows of a claim of at most limit rows, an empty
// slice for a limit of 0 or less. It runs in the writer's transaction:
// inside InTx, BEGIN IMMEDIATE keeps every other writer out until the
// transaction ends, which is what makes the claim exclusive.
func claimRows[T any](ctx context.Context, q *querier, what string, limit int, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	if limit <= 0 {
		return []T{}, nil
	}
	return queryAll(ctx, q.writeDB, what, []T{}, scan, query, args...)
}

// exec runs a statement on db and says how many rows it changed; errors
// are mapped.
func exec(ctx context.Context, db dbtx, query string, args ...any) (int64, error) {
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return rowsAffected(res)
}

// execWrite runs a statement in a write transaction (or q's) and says how
// many rows it changed. Errors are wrapped with what.
func (q *querier) execWrite(ctx context.Context, what, query string, args ...any) (int, error) {
	var n int64
	err := q.writeDB(ctx, func(db dbtx) error {
		var err error
		n, err = exec(ctx, db, query, args...)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return int(n), nil
}

// updateOne runs a statement that must change a row in a write transaction
// (or q's); ErrNotFound when it changes none. Errors are wrapped with what.
func (q *querier) updateOne(ctx context.Context, what, query string, args ...any) error {
	n, err := q.execWrite(ctx, what, query, args...)
	if err == nil && n == 0 {
		err = fmt.Errorf("%s: %w", what, storage.ErrNotFound)
	}
	return err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// placeholders is n question marks for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
