// Package postgres is the storage.Store on PostgreSQL (pgx), for teams that
// run more than one replica: all coordination between replicas goes through
// the database (row locks, FOR UPDATE SKIP LOCKED claims, unique
// constraints, and LISTEN/NOTIFY to wake outbox senders).
//
// A search_path given in the URL (postgres://…/db?search_path=tourniquet)
// is sent as a runtime parameter on every connection, so one database can
// hold several independent Tourniquet schemas.
//
// The files mirror storage/sqlite: the methods of one area (incidents.go,
// events.go, channels.go, outbox.go, checkins.go, actionruns.go, drafts.go,
// audit.go, dedupe.go, messagerefs.go; store.go, migrate.go, wake.go for the
// Store itself) live in the file of the same name in both packages.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tourniquet/tourniquet/storage"
)

// DefaultConnectTimeout bounds how long Open waits for the database.
const DefaultConnectTimeout = 10 * time.Second

// Store is a storage.Store on a PostgreSQL connection pool. It is safe for
// concurrent use.
type Store struct {
	querier

	pool           *pgxpool.Pool
	connCfg        *pgx.ConnConfig // for the dedicated LISTEN connection
	log            *slog.Logger
	connectTimeout time.Duration

	claims claimStats

	wake       chan struct{}
	listenOnce sync.Once
	listenMu   sync.Mutex // guards stopListen, listenDone and closed
	stopListen context.CancelFunc
	listenDone chan struct{}
	closed     bool
	closeOnce  sync.Once
	// listenerPID is the backend PID of the LISTEN connection (0 while
	// disconnected), for tests and debugging.
	listenerPID atomic.Uint32
}

var _ storage.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	log            *slog.Logger
	connectTimeout time.Duration
	slowClaim      time.Duration
	// dial replaces pgx's dialer (tests count round trips with it).
	dial pgconn.DialFunc
}

// WithLogger sets where the store logs what it does by itself (the outbox
// listener's reconnects, migrations). The default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// WithConnectTimeout bounds how long Open (and the outbox listener's
// reconnects) wait for the database; the default is DefaultConnectTimeout.
func WithConnectTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.connectTimeout = d
		}
	}
}

// Open connects to the database at dbURL (postgres://user:pass@host:port/db?…)
// and checks that it answers, waiting at most the connect timeout. Errors
// name the server as host:port and never include the password. Open does
// not migrate; call Migrate.
func Open(ctx context.Context, dbURL string, opts ...Option) (*Store, error) {
	o := options{log: slog.Default(), connectTimeout: DefaultConnectTimeout, slowClaim: DefaultSlowClaim}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		// Not %w: pgconn.ParseConfigError carries the unredacted URL. Its
		// message is redacted by pgx; scrub again in case it missed.
		return nil, fmt.Errorf("postgres: invalid database URL: %s", scrub(oneLine(err.Error()), urlPassword(dbURL)))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > o.connectTimeout {
		cfg.ConnConfig.ConnectTimeout = o.connectTimeout
	}
	if o.dial != nil {
		cfg.ConnConfig.DialFunc = o.dial
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(cfg.ConnConfig, err)
	}
	pctx, cancel := context.WithTimeout(ctx, o.connectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		if pctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %s: %w", o.connectTimeout, err)
		}
		return nil, connectError(cfg.ConnConfig, err)
	}
	return &Store{
		querier:        querier{db: pool},
		pool:           pool,
		connCfg:        cfg.ConnConfig.Copy(),
		log:            o.log,
		connectTimeout: o.connectTimeout,
		wake:           make(chan struct{}, 1),
		claims:         claimStats{slow: o.slowClaim},
	}, nil
}

// connError is a connection failure reported on one line, naming the
// server but never the password.
type connError struct {
	msg string
	err error
}

func (e *connError) Error() string { return e.msg }
func (e *connError) Unwrap() error { return e.err }

func connectError(cfg *pgx.ConnConfig, err error) error {
	detail := err.Error()
	// pgconn.ConnectError repeats user and database; say them once.
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		if inner := errors.Unwrap(ce); inner != nil {
			detail = inner.Error()
		}
		if prefix, _, ok := strings.Cut(err.Error(), ce.Error()); ok && prefix != "" {
			detail = prefix + detail
		}
	}
	msg := fmt.Sprintf("postgres: cannot connect to %s (database %q, user %q): %s",
		serverAddr(cfg), cfg.Database, cfg.User, oneLine(detail))
	return &connError{msg: scrub(msg, cfg.Password), err: err}
}

// serverAddr is host:port, or the socket directory for a Unix socket.
func serverAddr(cfg *pgx.ConnConfig) string {
	if strings.HasPrefix(cfg.Host, "/") {
		return cfg.Host
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// oneLine folds a multi-line message (pgconn lists one line per address
// tried) into one line.
func oneLine(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return strings.Join(f, "; ")
}

// urlPassword is the password of a postgres:// URL, if one can be found.
func urlPassword(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// scrub replaces password in s.
func scrub(s, password string) string {
	if password != "" {
		s = strings.ReplaceAll(s, password, "<secret>")
	}
	return s
}

// Dialect returns "postgres".
func (s *Store) Dialect() string { return "postgres" }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping %s: %w", serverAddr(s.connCfg), err)
	}
	return nil
}

// Close stops the outbox listener and closes the pool. It waits for
// connections in use to be returned.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.listenMu.Lock()
		s.closed = true
		stop, done := s.stopListen, s.listenDone
		s.listenMu.Unlock()
		if stop != nil {
			stop()
			<-done
		}
		s.claims.wg.Wait() // a statistics refresh in flight
		s.pool.Close()
	})
	return nil
}

// InTx runs fn in one transaction; see storage.Store. The Querier fn
// receives is bound to the transaction and must not be used concurrently
// nor after fn returns. BEGIN, and the writes whose results nobody waits
// for, are sent with the next statement (see pipeTx): a unit of work
// costs fewer round trips.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, q storage.Querier) error) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return mapErr("begin transaction", err)
	}
	defer conn.Release()
	tx := newPipeTx(conn)
	finished := false
	defer func() {
		if !finished { // fn panicked
			tx.rollback(ctx)
		}
	}()
	if err := fn(ctx, querier{db: tx, tx: true}); err != nil {
		finished = true
		tx.rollback(ctx)
		return err
	}
	finished = true
	if err := tx.commit(ctx); err != nil { // names the statement that failed
		tx.rollback(ctx)
		return err
	}
	return nil
}

// rollback rolls tx back even when ctx is done: an abandoned transaction
// would otherwise keep its locks until pgx notices.
func rollback(ctx context.Context, tx pgx.Tx) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = tx.Rollback(rctx)
}
