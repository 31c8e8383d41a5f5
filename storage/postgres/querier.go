package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// dbtx is what both *pgxpool.Pool and pgx.Tx can do.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// querier implements storage.Querier over the pool (each method in its own
// implicit transaction) or over a transaction.
type querier struct {
	db dbtx
	tx bool // db is a transaction
}

var _ storage.Querier = querier{}

// atomic runs fn in a transaction: q's own when it has one, else a new one.
func (q querier) atomic(ctx context.Context, fn func(q querier) error) error {
	if q.tx {
		return fn(q)
	}
	tx, err := q.db.Begin(ctx)
	if err != nil {
		return mapErr("begin transaction", err)
	}
	defer rollback(ctx, tx) // no-op after commit
	if err := fn(querier{db: tx, tx: true}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return mapErr("commit", err)
	}
	return nil
}

// execLater runs a write whose result nobody waits for. In a
// transaction it is sent with the next statement or the commit, saving a
// round trip (see pipeTx), and its error comes back from there; else it
// runs now.
func (q querier) execLater(ctx context.Context, what string, sql string, args ...any) error {
	if p, ok := q.db.(*pipeTx); ok {
		p.later(what, sql, args, nil)
		return nil
	}
	if _, err := q.db.Exec(ctx, sql, args...); err != nil {
		return mapErr(what, err)
	}
	return nil
}

// locked notes that the transaction holds inc's row locked (FOR UPDATE),
// as read.
func (q querier) locked(inc *incident.Incident) {
	p, ok := q.db.(*pipeTx)
	if !ok {
		return
	}
	args, err := incidentArgs(inc)
	if err != nil { // it was just decoded; then UpdateIncident will not skip
		args = nil
	}
	p.lock(inc.ID, args)
}
