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
