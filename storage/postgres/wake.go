package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/internal/retry"
)

// notifyChannel is the LISTEN/NOTIFY channel EnqueueOutbox notifies. The
// payload is the schema the messages were written to, so that Tourniquet
// installations sharing a database in separate schemas do not wake each
// other's senders (they would only poll for nothing).
const notifyChannel = "tourniquet_outbox"

// Listener reconnect backoff.
const (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 10 * time.Second
)

// OutboxWake returns a channel that receives (coalesced) soon after outbox
// messages are committed by any replica using the same database and
// schema. The first call starts a background goroutine holding a dedicated
// connection that LISTENs; it reconnects with backoff when the connection
// drops and sends one wake-up after every (re)connect, since notifications
// sent while it was away are lost. Close stops it.
func (s *Store) OutboxWake() <-chan struct{} {
	s.listenOnce.Do(func() {
		s.listenMu.Lock()
		defer s.listenMu.Unlock()
		if s.closed {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		s.stopListen = cancel
		s.listenDone = make(chan struct{})
		go s.listen(ctx, s.listenDone)
	})
	return s.wake
}

func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// listen keeps a LISTEN connection until ctx is done.
func (s *Store) listen(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	_ = retry.Do(ctx, retry.Policy{First: listenBackoffMin, Longest: listenBackoffMax}, func(reset func()) error {
		return s.listenSession(ctx, reset)
	}, func(err error, next time.Duration) {
		s.log.Warn("outbox listener lost its connection; reconnecting",
			"server", serverAddr(s.connCfg), "retry_in", next, "err", scrub(oneLine(err.Error()), s.connCfg.Password))
	})
}

// listenSession connects, LISTENs, calls connected, and forwards
// notifications until the connection fails or ctx is done.
func (s *Store) listenSession(ctx context.Context, connected func()) error {
	cctx, cancel := context.WithTimeout(ctx, s.connectTimeout)
	conn, err := pgx.ConnectConfig(cctx, s.connCfg.Copy())
	cancel()
	if err != nil {
		return connectError(s.connCfg, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	var schema *string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("current schema: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	connected()
	s.listenerPID.Store(conn.PgConn().PID())
	defer s.listenerPID.Store(0)
	// Anything committed while we were not listening went unnoticed.
	s.signal()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		if n.Payload == "" || schema == nil || n.Payload == *schema {
			s.signal()
		}
	}
}
