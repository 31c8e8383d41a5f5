// Package sqlite is the embedded Store: one database file, no server, the
// default for a single replica serving a small team.
//
// It runs on modernc.org/sqlite (pure Go, no cgo) in WAL mode with foreign
// keys on. Writes go through a single connection that begins every
// transaction with BEGIN IMMEDIATE, so writers queue in the process instead
// of failing with "database is locked"; concurrent write transactions
// share one SQLite transaction and one COMMIT (group commit, each in a
// savepoint: groupcommit.go). Reads that are not part of a transaction use
// a separate pool of read-only connections, which WAL lets run alongside
// the writer.
//
// Timestamps are stored as UTC text with a fixed nine-digit fraction, so that
// SQL comparisons and ordering on them are correct; see
// migrations/sqlite/00001_foundation.sql.
//
// The files mirror storage/postgres: the methods of one area (incidents.go,
// events.go, channels.go, outbox.go, checkins.go, actionruns.go, drafts.go,
// audit.go, dedupe.go, messagerefs.go; store.go, migrate.go, wake.go for the
// Store itself) live in the file of the same name in both packages.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/tourniquet/tourniquet/migrations"
	"github.com/tourniquet/tourniquet/storage"
)

// Dialect is what Store.Dialect returns.
const Dialect = "sqlite"

// Defaults of the options.
const (
	DefaultBusyTimeout = 5 * time.Second
	DefaultMaxReaders  = 4
)

// Option configures Open.
type Option func(*options)

type options struct {
	readOnly    bool
	logger      *slog.Logger
	busyTimeout time.Duration
	maxReaders  int
	migrations  fs.FS
}

// WithLogger sets where the store reports applied migrations. The default
// discards them.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithBusyTimeout sets how long a statement waits for a lock held by another
// connection or process before failing (DefaultBusyTimeout if unset).
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.busyTimeout = d
		}
	}
}

// WithMaxReaders caps the pool of read-only connections (DefaultMaxReaders,
// or the number of CPUs when that is larger, if unset).
func WithMaxReaders(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxReaders = n
		}
	}
}

// ErrNoDatabase is returned by Open with ReadOnly when the file does not
// exist: a command that only reads must not create an empty database.
var ErrNoDatabase = errors.New("no database file")

// ReadOnly opens an existing database for reading only, for commands that
// only read (export): a missing file is ErrNoDatabase instead of being
// created, nothing is ever written (SQLite's mode=ro), and Migrate fails.
func ReadOnly() Option {
	return func(o *options) { o.readOnly = true }
}

// withMigrations replaces the embedded migrations (tests only).
func withMigrations(fsys fs.FS) Option {
	return func(o *options) { o.migrations = fsys }
}

// Store is the SQLite implementation of storage.Store. Its Querier methods
// run each in its own transaction: writes on the writer connection, reads on
// the reader pool.
type Store struct {
	querier

	path     string
	readOnly bool
	writer   *sql.DB
	readers  *sql.DB
	provider *goose.Provider
	log      *slog.Logger
	wake     chan struct{}
	gc       groupCommit
	handoff  atomic.Pointer[handoff]
}

var _ storage.Store = (*Store)(nil)

// Open opens (creating if needed, with mode 0600, and its parent directory
// too) the database file at dbPath. It does not migrate: call Migrate. The
// path is a file name, not a URI, and may not contain '?'; ":memory:" is
// refused because the writer and the readers must share one database.
func Open(ctx context.Context, dbPath string, opts ...Option) (*Store, error) {
	o := options{
		logger:      slog.New(slog.DiscardHandler),
		busyTimeout: DefaultBusyTimeout,
		maxReaders:  max(DefaultMaxReaders, runtime.NumCPU()),
		migrations:  migrations.SQLite(),
	}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case dbPath == "":
		return nil, errors.New("open sqlite: empty path")
	case dbPath == ":memory:" || strings.HasPrefix(dbPath, "file:"):
		return nil, fmt.Errorf("open sqlite %q: want a file path", dbPath)
	case strings.ContainsRune(dbPath, '?'):
		return nil, fmt.Errorf("open sqlite %q: a path may not contain '?'", dbPath)
	}
	if o.readOnly {
		return openReadOnly(ctx, dbPath, o)
	}
	if err := createFile(dbPath); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", dbPath, err)
	}

	busy := strconv.FormatInt(o.busyTimeout.Milliseconds(), 10)
	common := url.Values{}
	common.Set("_busy_timeout", busy)
	common.Set("_foreign_keys", "1")

	wq := url.Values{}
	for k, v := range common {
		wq[k] = v
	}
	wq.Set("_journal_mode", "WAL")
	wq.Set("_synchronous", "FULL")
	wq.Set("_txlock", "immediate")
	writer, err := openDB(dbPath + "?" + wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", dbPath, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// The writer connects first so that the file is in WAL mode before any
	// reader opens it.
	if err := writer.PingContext(ctx); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", dbPath, err)
	}

	rq := url.Values{}
	for k, v := range common {
		rq[k] = v
	}
	rq.Set("_query_only", "1")
	readers, err := openDB(dbPath + "?" + rq.Encode())
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", dbPath, err)
	}
	readers.SetMaxOpenConns(o.maxReaders)
	readers.SetMaxIdleConns(o.maxReaders)
	if err := readers.PingContext(ctx); err != nil {
		_ = writer.Close()
		_ = readers.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", dbPath, err)
	}

	return newStore(dbPath, writer, readers, o)
}

// newStore wraps the open connections; on failure it closes them.
func newStore(dbPath string, writer, readers *sql.DB, o options) (*Store, error) {
	provider, err := goose.NewProvider(goose.DialectSQLite3, writer, o.migrations,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		_ = writer.Close()
		_ = readers.Close()
		return nil, fmt.Errorf("open sqlite %s: migrations: %w", dbPath, err)
	}
	s := &Store{
		path:     dbPath,
		readOnly: o.readOnly,
		writer:   writer,
		readers:  readers,
		provider: provider,
		log:      o.logger,
		wake:     make(chan struct{}, 1),
	}
	s.querier = querier{s: s}
	s.gc.turn = make(chan struct{}, 1)
	s.gc.rideWait = defaultRideWait
	return s, nil
}

// openReadOnly opens an existing file with SQLite's mode=ro: the writer
// and the readers are the same read-only pool, so any write fails.
func openReadOnly(ctx context.Context, dbPath string, o options) (*Store, error) {
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", dbPath, err)
	}
	if st, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open sqlite %s: %w", abs, ErrNoDatabase)
	} else if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	} else if st.IsDir() {
		return nil, fmt.Errorf("open sqlite %s: a directory, not a database file", abs)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", strconv.FormatInt(o.busyTimeout.Milliseconds(), 10))
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	db, err := openDB(dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	}
	db.SetMaxOpenConns(o.maxReaders)
	db.SetMaxIdleConns(o.maxReaders)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	}
	return newStore(dbPath, db, db, o)
}

// createFile makes the database file, and its directory, readable by its
// owner only, unless it exists already. SQLite gives the -wal and -shm files
// the same permissions.
func createFile(p string) error {
	if dir := filepath.Dir(p); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	return f.Close()
}

// Path is the database file's path, as given to Open.
func (s *Store) Path() string { return s.path }

// Dialect returns "sqlite".
func (s *Store) Dialect() string { return Dialect }

// Ping checks that the writer and a reader answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite writer: %w", err)
	}
	if err := s.readers.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite reader: %w", err)
	}
	return nil
}

// Close closes the writer and the readers. The OutboxWake channel stays
// open and simply never fires again.
func (s *Store) Close() error {
	// How well group commit batched, for the load tool's readers of the
	// log: transactions per COMMIT (and so per fsync).
	if c := s.gc.commits.Load(); c > 0 {
		s.log.Debug("sqlite group commit", "transactions", s.gc.members.Load(), "commits", c)
	}
	return errors.Join(s.writer.Close(), s.readers.Close())
}

// InTx runs fn in a transaction on the writer connection and returns once
// it has committed, when fn returns nil. When fn returns an error (or
// panics) its work is rolled back and the error returned as is (or the
// panic continued). Transactions of concurrent callers share one SQLite
// transaction and one COMMIT (group commit, see groupcommit.go), each in a
// savepoint of its own, so that one failing does not undo the others; if
// the shared COMMIT fails, every caller gets the error. fn must use only q:
// calling the Store's write methods from inside fn waits for the writer
// that fn itself holds.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, q storage.Querier) error) error {
	return s.inTx(ctx, func(q *querier) error { return fn(ctx, q) })
}
