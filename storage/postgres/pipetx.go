package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tourniquet/tourniquet/storage"
)

// pipeTx is a transaction on one pooled connection that sends the
// statements whose results nobody waits for together with the next one, in
// one pgx batch (one round trip): BEGIN goes with the transaction's first
// statement, and the writes queued with later (UpdateIncident,
// EnqueueOutbox) with the next statement or with COMMIT. A command's unit
// of work is a handful of statements, each a round trip on a plain
// pgx.Tx; every round trip costs CPU in the server and in its backend
// (a read, a write, a wake-up each side), about as much as the statement.
//
// A queued statement that fails makes the flush that sent it fail (with
// the queued statement's error, which names it), and every later call and
// the commit: Postgres aborts the transaction at its first error anyway.
// A pipeTx is not safe for concurrent use (neither is a pgx.Tx).
type pipeTx struct {
	conn *pgxpool.Conn
	// queue holds statements to send before the next one, BEGIN first
	// until it has been sent.
	queue []queued
	// began says BEGIN has been sent: from then on the connection is in
	// a transaction, to commit or roll back.
	began bool
	// failed is the first error of the transaction, sticky.
	failed error
	// locked are the incidents whose rows the transaction locked (FOR
	// UPDATE), which therefore exist until it ends, with their saved
	// fields (incidentArgs) as it last read or wrote them: no other
	// transaction can change them meanwhile.
	locked map[int64][]any
	// drills are the drills (nil: none) of the incidents it locked, read
	// with them (loadForUpdate). Drills are written only by a unit of
	// work that holds their incident locked, so no other transaction can
	// change them meanwhile; this one's own writes forget them.
	drills map[int64]*storage.Drill
}

// queued is a statement sent with the next one.
type queued struct {
	what string
	sql  string
	args []any
	// check judges the statement's result (nil: any result is fine).
	check func(pgconn.CommandTag) error
}

var _ dbtx = (*pipeTx)(nil)

func newPipeTx(conn *pgxpool.Conn) *pipeTx {
	return &pipeTx{conn: conn, queue: []queued{{what: "begin transaction", sql: "begin"}}}
}

// later queues a statement to be sent with the next one (or the commit).
func (p *pipeTx) later(what, sql string, args []any, check func(pgconn.CommandTag) error) {
	p.queue = append(p.queue, queued{what: what, sql: sql, args: args, check: check})
}

// lock records that the transaction holds incident id's row locked, its
// saved fields being args.
func (p *pipeTx) lock(id int64, args []any) {
	if p.locked == nil {
		p.locked = map[int64][]any{}
	}
	p.locked[id] = args
}

// sawDrill records the drill (nil: none) of incident id, read with its lock.
func (p *pipeTx) sawDrill(id int64, d *storage.Drill) {
	if p.drills == nil {
		p.drills = map[int64]*storage.Drill{}
	}
	p.drills[id] = d
}

// holds says whether the transaction holds incident id's row locked, and
// its saved fields.
func (p *pipeTx) holds(id int64) ([]any, bool) {
	args, ok := p.locked[id]
	return args, ok
}

// send sends the queue, then sql when it is not empty, in one batch, and
// reads the queue's results. It returns the batch's results positioned on
// sql's (nil when sql is empty or the batch was the queue alone and is
// closed), to be closed by the caller.
func (p *pipeTx) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	if p.failed != nil {
		return nil, p.failed
	}
	b := &pgx.Batch{}
	for _, q := range p.queue {
		b.Queue(q.sql, q.args...)
	}
	if sql != "" {
		b.Queue(sql, args...)
	}
	queue := p.queue
	p.queue = nil
	if len(queue) > 0 && queue[0].sql == "begin" {
		p.began = true
	}
	br := p.conn.SendBatch(ctx, b)
	for _, q := range queue {
		tag, err := br.Exec()
		if err != nil {
			err = mapErr(q.what, err)
		} else if q.check != nil {
			err = q.check(tag)
		}
		if err != nil {
			_ = br.Close()
			p.failed = err
			return nil, err
		}
	}
	if sql == "" {
		if err := br.Close(); err != nil {
			p.failed = err
			return nil, err
		}
		return nil, nil
	}
	return br, nil
}

func isPgError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}

// fail records err as the transaction's when it is one the database
// reported (the transaction is then aborted); a read error of the caller
// (a Scan into the wrong type) leaves it usable, as on a pgx.Tx.
func (p *pipeTx) fail(err error) {
	if err != nil && p.failed == nil && (isPgError(err) || p.conn.Conn().PgConn().IsClosed()) {
		p.failed = err
	}
}

// Exec runs sql after the queue, in the same round trip.
func (p *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if len(p.queue) == 0 && p.failed == nil {
		tag, err := p.conn.Exec(ctx, sql, args...)
		p.fail(err)
		return tag, err
	}
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	p.fail(err)
	return tag, err
}

// Query runs sql after the queue, in the same round trip.
func (p *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if len(p.queue) == 0 && p.failed == nil {
		rows, err := p.conn.Query(ctx, sql, args...)
		p.fail(err)
		return rows, err
	}
	br, err := p.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		p.fail(err)
		return nil, err
	}
	return &batchRows{Rows: rows, br: br, p: p}, nil
}

// QueryRow runs sql after the queue, in the same round trip.
func (p *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := p.Query(ctx, sql, args...)
	if err != nil {
		return errRow{err}
	}
	return rowOf{rows}
}

// Begin is not supported: a unit of work does not nest transactions
// (querier.atomic runs in the one it has).
func (p *pipeTx) Begin(context.Context) (pgx.Tx, error) {
	return nil, errors.New("postgres: nested transactions are not supported")
}

// commit sends the queue and COMMIT in one round trip. A transaction that
// sent nothing but BEGIN has nothing to commit.
func (p *pipeTx) commit(ctx context.Context) error {
	if p.failed != nil {
		return p.failed
	}
	if !p.began && len(p.queue) == 1 { // BEGIN alone
		p.queue = nil
		return nil
	}
	p.later("commit", "commit", nil, func(tag pgconn.CommandTag) error {
		// A transaction that failed answers COMMIT with ROLLBACK.
		if tag.String() != "COMMIT" {
			return pgx.ErrTxCommitRollback
		}
		return nil
	})
	if _, err := p.send(ctx, "", nil); err != nil {
		return err
	}
	p.began = false
	return nil
}

// rollback ends a transaction that was begun and not committed, even when
// ctx is done: an abandoned transaction would keep its locks. The
// connection goes back to the pool only if it is idle again (pgxpool
// destroys it otherwise).
func (p *pipeTx) rollback(ctx context.Context) {
	p.queue = nil
	if !p.began {
		return
	}
	p.began = false
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = p.conn.Exec(rctx, "rollback")
}

// batchRows are the rows of a batch's last statement: closing them closes
// the batch.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	p      *pipeTx
	closed bool
	err    error
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	err := r.Rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	r.err = err
	r.p.fail(err)
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// rowOf reads the first row of rows, as pgx's QueryRow does.
type rowOf struct{ rows pgx.Rows }

func (r rowOf) Scan(dest ...any) error {
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// errRow is a row that failed before it was read.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
