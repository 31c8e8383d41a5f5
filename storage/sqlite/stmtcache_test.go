package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// A query run while the rows of the same query text are still open gets
// a statement of its own: sharing the cached one would reset the rows
// being read.
func TestStmtCacheNestedSameQuery(t *testing.T) {
	ctx := context.Background()
	db, err := openDB(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE t (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (v) VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT v FROM t WHERE v >= ? ORDER BY v`
	rows, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var outer, inner []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, v)
		var w int
		if err := tx.QueryRowContext(ctx, q, 3).Scan(&w); err != nil {
			t.Fatal(err)
		}
		inner = append(inner, w)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(outer) != 3 || outer[2] != 3 || inner[0] != 3 || inner[2] != 3 {
		t.Fatalf("outer %v inner %v, want [1 2 3] and [3 3 3]", outer, inner)
	}
	// The cached statement is usable again, with new arguments.
	var n int
	if err := tx.QueryRowContext(ctx, q, 2).Scan(&n); err != nil || n != 2 {
		t.Fatalf("after nesting: %d, %v", n, err)
	}
}

func BenchmarkCachedQuery(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var n int
		if err := s.readers.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE status = 'pending' AND id > ?`, 0).Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
}

// A transaction's BEGIN, COMMIT and ROLLBACK are compiled once per
// connection, like its statements, and begin as the DSN's _txlock says:
// the driver compiled all three anew for every transaction.
func TestStmtCacheTransactionsCompileOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := openDB(path + "?_txlock=immediate&_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	// cached are the statements the connection keeps for BEGIN, COMMIT
	// and ROLLBACK (nil when it keeps none).
	cached := func() [3]*cachedStmt {
		var out [3]*cachedStmt
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.Raw(func(dc any) error {
			for i, q := range []string{"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"} {
				out[i] = dc.(*cachingConn).stmts[q]
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	unit := func(commit bool) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (v) VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	unit(true)
	unit(false)
	before := cached()
	for i, st := range before {
		if st == nil {
			t.Fatalf("statement %d of BEGIN IMMEDIATE, COMMIT, ROLLBACK is not kept: compiled for every transaction", i)
		}
	}
	for range 3 {
		unit(true)
		unit(false)
	}
	if cached() != before {
		t.Error("later transactions compiled their BEGIN, COMMIT or ROLLBACK again")
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("rows %d (%v), want the 4 committed", n, err)
	}
	// The writable transaction took the write lock at BEGIN (IMMEDIATE):
	// another connection cannot begin one until it ends.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := openDB(path + "?_txlock=immediate&_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if otx, err := other.BeginTx(ctx, nil); err == nil {
		_ = otx.Rollback()
		t.Error("a second writer began while the first held its transaction: BEGIN was not IMMEDIATE")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	otx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("after the first writer ended: %v", err)
	}
	_ = otx.Rollback()
}
