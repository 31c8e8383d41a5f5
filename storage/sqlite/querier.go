package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tourniquet/tourniquet/storage"
)

// dbtx is what both *sql.DB and *sql.Tx offer.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// querier implements storage.Querier. With tx nil (the one embedded in
// Store) each method runs in a transaction of its own: writes on the writer,
// reads in a read-only transaction on the reader pool. With tx set (inside
// InTx: a memberTx of the shared write transaction) every method runs in
// tx.
type querier struct {
	s  *Store
	tx dbtx
	// enqueued records that outbox messages were written in tx, so that the
	// sender is woken once tx commits (not for those handed to it).
	enqueued bool
	// handed are the messages enqueued claimed in tx (see HandOffOutbox),
	// for handTo once tx commits.
	handed []storage.OutboxMessage
	handTo func([]storage.OutboxMessage)
	// drills are the drills (nil: none) of the incidents the unit of
	// work loaded (loadLocked).
	drills map[int64]*storage.Drill
}

var _ storage.Querier = (*querier)(nil)

// write runs fn in q's transaction, or in a new write transaction.
func (q *querier) write(ctx context.Context, fn func(w *querier) error) error {
	if q.tx != nil {
		return fn(q)
	}
	return q.s.inTx(ctx, fn)
}

// writeRiding is write for bookkeeping that need not commit on its own:
// outside a transaction, it rides the next batch another caller begins
// (see inTxRide).
func (q *querier) writeRiding(ctx context.Context, fn func(w *querier) error) error {
	if q.tx != nil {
		return fn(q)
	}
	return q.s.inTxRide(ctx, fn)
}

// read runs fn in q's transaction, or in a read-only transaction on the
// reader pool, so that a read of several statements sees one snapshot.
func (q *querier) read(ctx context.Context, fn func(db dbtx) error) error {
	if q.tx != nil {
		return fn(q.tx)
	}
	tx, err := q.s.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", mapErr(err))
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

// rowsAffected is res.RowsAffected with the error mapped.
func rowsAffected(res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapErr(err)
	}
	return n, nil
}
