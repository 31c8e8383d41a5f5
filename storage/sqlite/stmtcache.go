package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strings"

	"modernc.org/sqlite"
)

// maxCachedStmts bounds the statements kept per connection. The store's
// queries are a fixed set of a few dozen texts; the bound only guards
// against texts built per call (a list of placeholders), which are then
// prepared each time as before.
const maxCachedStmts = 256

// openDB opens dsn with a cache of prepared statements per connection.
// SQLite compiles every statement text into a program; without the cache
// each call parses and plans its SQL again, which was a quarter of the CPU
// of a command under load (docs/BENCHMARKS.md).
func openDB(dsn string) (*sql.DB, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	// The driver begins a writable transaction with "BEGIN <_txlock>";
	// only a connection with one (the writer) begins through the cache.
	begin := ""
	if _, query, ok := strings.Cut(dsn, "?"); ok {
		if v, err := url.ParseQuery(query); err == nil && v.Get("_txlock") != "" {
			begin = "BEGIN " + strings.ToUpper(v.Get("_txlock"))
		}
	}
	return sql.OpenDB(cachingConnector{Connector: base, begin: begin}), nil
}

// cachingConnector opens connections that keep their prepared statements.
type cachingConnector struct {
	driver.Connector
	// begin starts a writable transaction ("BEGIN IMMEDIATE"); empty
	// when the DSN has no _txlock.
	begin string
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	cc, ok := conn.(stmtConn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("sqlite connection %T lacks the context interfaces", conn)
	}
	return &cachingConn{stmtConn: cc, stmts: map[string]*cachedStmt{}, begin: c.begin}, nil
}

// stmtConn is what every connection of modernc.org/sqlite implements and
// cachingConn forwards (see sqlite.NewConnector).
type stmtConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn runs ExecContext and QueryContext on a statement prepared
// once per text. database/sql uses a connection from one goroutine at a
// time, so the map needs no lock; a statement whose rows are still open
// (a query run while iterating the same query) is not shared: the second
// use gets a statement of its own.
type cachingConn struct {
	stmtConn
	stmts map[string]*cachedStmt
	// begin starts a writable transaction (see cachingConnector).
	begin string
}

type cachedStmt struct {
	st    stmtRunner
	inUse bool
}

// stmtRunner is a prepared statement of modernc.org/sqlite.
type stmtRunner interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// Unwrap returns the driver's connection (sqlite.Limit looks for it).
func (c *cachingConn) Unwrap() driver.Conn { return c.stmtConn }

// stmt returns the cached statement for query, preparing it on first
// use; shared is false when the caller must close it after use.
func (c *cachingConn) stmt(ctx context.Context, query string) (cs *cachedStmt, shared bool, err error) {
	if cs, ok := c.stmts[query]; ok && !cs.inUse {
		return cs, true, nil
	}
	ds, err := c.stmtConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	st, ok := ds.(stmtRunner)
	if !ok {
		_ = ds.Close()
		return nil, false, fmt.Errorf("sqlite statement %T lacks the context interfaces", ds)
	}
	cs = &cachedStmt{st: st}
	if _, taken := c.stmts[query]; taken || len(c.stmts) >= maxCachedStmts {
		return cs, false, nil
	}
	c.stmts[query] = cs
	return cs, true, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, shared, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if !shared {
		defer cs.st.Close()
	}
	return cs.st.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, shared, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := cs.st.QueryContext(ctx, args)
	if err != nil {
		if !shared {
			_ = cs.st.Close()
		}
		return nil, err
	}
	cs.inUse = true
	return &cachedRows{Rows: rows, cs: cs, owned: !shared}, nil
}

// BeginTx begins a writable transaction of a connection with a _txlock
// (the writer) as the driver does, but with BEGIN, COMMIT and ROLLBACK run
// through the statement cache: the driver compiles each of them anew for
// every transaction, a tenth of the statements a command runs. Other
// transactions (the readers', rarer) are the driver's, and do not keep
// three more statements on every connection.
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.Isolation != driver.IsolationLevel(sql.LevelDefault) || opts.ReadOnly || c.begin == "" {
		return c.stmtConn.BeginTx(ctx, opts) // and the driver's error for a level it lacks
	}
	if _, err := c.ExecContext(ctx, c.begin, nil); err != nil {
		// A BEGIN that ran before ctx was done leaves a transaction
		// open, which the pool's next user would find; without one,
		// ROLLBACK fails harmlessly.
		_, _ = c.ExecContext(context.Background(), "ROLLBACK", nil)
		return nil, err
	}
	return &cachingTx{c: c, ctx: ctx}, nil
}

// cachingTx ends a transaction of a cachingConn through its cache.
type cachingTx struct {
	c *cachingConn
	// ctx is BeginTx's: database/sql keeps it in force until the end, so
	// that a COMMIT waiting on a lock stops once it is done (as the
	// driver's own transactions do).
	ctx context.Context
}

// Commit commits; when COMMIT fails (the transaction may still be open:
// SQLITE_BUSY leaves it so), it rolls back, since database/sql takes the
// connection to be out of the transaction either way.
func (t *cachingTx) Commit() error {
	if _, err := t.c.ExecContext(t.ctx, "COMMIT", nil); err != nil {
		_, _ = t.c.ExecContext(context.Background(), "ROLLBACK", nil)
		return err
	}
	return nil
}

// Rollback rolls back, even once BeginTx's context is done.
func (t *cachingTx) Rollback() error {
	_, err := t.c.ExecContext(context.Background(), "ROLLBACK", nil)
	return err
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	for q, cs := range c.stmts {
		_ = cs.st.Close()
		delete(c.stmts, q)
	}
	return c.stmtConn.Close()
}

// cachedRows gives its statement back when closed.
type cachedRows struct {
	driver.Rows
	cs    *cachedStmt
	owned bool
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.inUse = false
	if r.owned {
		if cerr := r.cs.st.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
