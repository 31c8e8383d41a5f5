package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// Group commit.
//
// Every write transaction (a command, a sender's claim, a mark) used to be
// its own BEGIN IMMEDIATE … COMMIT, and with synchronous=FULL each COMMIT is
// an fsync: the commits were about a fifth of the server's CPU under load
// (docs/BENCHMARKS.md). Callers that overlap now share one SQLite
// transaction and one COMMIT. Each caller's work runs inside a SAVEPOINT of
// that transaction, so a caller whose fn fails or panics is rolled back
// alone (ROLLBACK TO, then RELEASE) while the others commit. A caller
// returns only once the shared COMMIT has returned, with its result: if it
// fails, every member gets the error, and nothing of theirs is written.
//
// There is no writer goroutine: fn runs on its caller's goroutine, so a
// panic and the caller's context stay with the caller. Callers take turns
// on the writer (the turn token below); the holder of the turn begins the
// shared transaction if none is open, runs its fn in a savepoint, and then
// either commits (when nobody is waiting for a turn, or the batch is full)
// or hands the turn on and waits for the batch to be committed by a later
// holder.
//
// Liveness: a batch is never left open with no one to commit it. A batch
// is open only between its BEGIN and its COMMIT or ROLLBACK, and a holder
// gives the turn back with a batch open only when the batch has at least
// one member (a caller whose work was released into it and who has not
// returned): a holder that ends its turn with an empty batch rolls it back.
// Every member that is not holding the turn waits in follow, blocked on
// both the batch's done channel and taking the turn, and one that takes
// the turn while its batch is still open commits it. Every holder gives the
// turn back (endTurn runs whether fn returns or panics, and nothing it does
// waits for another caller), and the goroutines blocked sending on a
// channel are served in order, so while a batch is open one of its members
// takes the turn after a bounded number of turns and commits it. Callers
// waiting for a turn that give up (their context ends) are not members and
// owe the batch nothing.
//
// Cancellation: a statement interrupted by the context of one member
// (modernc.org/sqlite calls sqlite3_interrupt when it ends) may roll back
// the whole SQLite transaction, the other members' work included. So a
// member's statements run with a context that cannot be cancelled, and
// memberTx checks the member's own context before each statement instead:
// a cancelled member fails at its next statement, and its savepoint is
// rolled back. The shared BEGIN runs without the caller's cancellation too,
// so that database/sql does not roll back the shared transaction when the
// context of the caller that began it ends. The price: a statement, once
// started, runs to its end, and BEGIN IMMEDIATE waits for another
// process's write lock up to the busy timeout whatever the context.
//
// Errors that abort the whole SQLite transaction (SQLITE_FULL, IOERR, BUSY,
// NOMEM, interrupt) show as a failed SAVEPOINT, RELEASE or ROLLBACK TO: the
// batch then fails for all of its members, is rolled back, and the next
// caller begins a fresh one.
//
// fn must not call the Store's write methods (InTx, or a Querier method of
// the Store itself rather than of q): it would wait for the turn its own
// caller holds.

// maxBatchMembers bounds the callers of one batch, so that under a steady
// stream of writers a batch still commits (each member waits for the
// commit, so a batch without bound would hold its first members forever).
const maxBatchMembers = 64

// groupCommit is the Store's writer: the turn and the open batch.
type groupCommit struct {
	// turn holds a token while a caller has the writer: send to take the
	// turn, receive to give it back. A channel rather than a mutex so that
	// waiting can end with the caller's context, and so that a member can
	// wait for its batch's commit and for the turn at once.
	turn chan struct{}
	// waiting counts callers blocked taking the turn to run their fn; the
	// holder commits when it is zero, as nobody would join the batch soon.
	waiting atomic.Int32
	// open is the batch being filled, nil if none. Guarded by turn.
	open *writeBatch
	// riders wait for the next batch to carry their work (see inTxRide);
	// lastBegin is when the last batch began. Guarded by turn.
	riders    []*rider
	lastBegin time.Time
	// rideWait is defaultRideWait (tests set it).
	rideWait time.Duration

	// beforeCommit, when set (tests only), runs just before COMMIT; an
	// error it returns fails the batch as a failed COMMIT would.
	beforeCommit func() error
	// commits and members count COMMITs run and the members they carried
	// (tests only: the ratio shows the batching); rode counts the riders
	// seated in a batch another caller began.
	commits, members, rode atomic.Int64
}

// writeBatch is one shared transaction.
type writeBatch struct {
	tx *sql.Tx
	// members counts the callers whose work was released into tx.
	members int
	// enqueued records that a member wrote outbox messages: the sender is
	// woken once the batch commits.
	enqueued bool
	// handed are the members' messages enqueued claimed, for handTo after
	// the commit (see HandOffOutbox).
	handed []storage.OutboxMessage
	handTo func([]storage.OutboxMessage)
	// done is closed once err is final: nil when the batch committed.
	done chan struct{}
	err  error
}

// take waits for the turn, or for ctx to end.
func (g *groupCommit) take(ctx context.Context) error {
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case g.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *groupCommit) giveBack() { <-g.turn }

// inTx runs fn in a savepoint of the shared write transaction and returns
// once the transaction has committed (or fn's error, without waiting, when
// fn fails). The outbox sender is woken after the commit when any member
// enqueued.
func (s *Store) inTx(ctx context.Context, fn func(q *querier) error) error {
	if err := s.takeTurn(ctx); err != nil {
		return err
	}
	return s.runHeld(ctx, fn)
}

// takeTurn waits for the writer's turn, failing when ctx ends first.
func (s *Store) takeTurn(ctx context.Context) error {
	if err := s.gc.take(ctx); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// The caller's context may have ended while it waited: its fn must
	// not run then, as it would not with a BEGIN that saw the context.
	if err := ctx.Err(); err != nil {
		s.endTurn()
		return fmt.Errorf("begin: %w", err)
	}
	return nil
}

// runHeld runs fn as a member of the open batch, beginning one if none
// is, and follows the batch to its commit. Held turn (it ends it).
func (s *Store) runHeld(ctx context.Context, fn func(q *querier) error) error {
	g := &s.gc
	b := g.open
	if b == nil {
		var err error
		if b, err = s.begin(ctx); err != nil {
			g.giveBack()
			return err
		}
	}
	return s.member(ctx, b, fn)
}

// begin begins a batch, seats the riders waiting for one in it, and makes
// it the open batch. Held turn, no batch open.
func (s *Store) begin(ctx context.Context) (*writeBatch, error) {
	g := &s.gc
	tx, err := s.writer.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", mapErr(err))
	}
	b := &writeBatch{tx: tx, done: make(chan struct{})}
	g.open = b
	g.lastBegin = time.Now()
	riders := g.riders
	g.riders = nil
	for _, r := range riders {
		if g.open != b { // a seat failed the batch
			r.seated <- seating{err: b.err}
			continue
		}
		r.seated <- s.seat(b, r)
	}
	if g.open != b {
		return nil, b.err
	}
	return b, nil
}

// member runs fn as a member of the open batch b, ends the turn, and
// follows b to its commit. Held turn.
func (s *Store) member(ctx context.Context, b *writeBatch, fn func(q *querier) error) error {
	if _, err := b.tx.ExecContext(context.Background(), `SAVEPOINT member`); err != nil {
		s.failBatch(b, err)
		s.endTurn()
		return b.err
	}

	q := &querier{s: s, tx: memberTx{b.tx}}
	returned := false
	defer func() {
		if returned {
			return
		}
		// fn panicked (or called runtime.Goexit): undo its work, end the
		// turn, and let the panic go on with its stack.
		s.rollbackMember(b)
		s.endTurn()
	}()
	err := fn(q)
	returned = true

	if err != nil {
		s.rollbackMember(b)
		s.endTurn()
		return err
	}
	if rerr := s.release(b, q); rerr != nil {
		s.endTurn()
		return rerr
	}
	s.endTurn()
	return s.follow(b)
}

// release ends the savepoint of a member whose work succeeded and counts
// it in b; on failure the whole batch has failed (and the error is its).
// Held turn.
func (s *Store) release(b *writeBatch, q *querier) error {
	if _, rerr := b.tx.ExecContext(context.Background(), `RELEASE member`); rerr != nil {
		// The transaction was aborted under fn (which swallowed the error)
		// or cannot go on: every member's work is lost.
		s.failBatch(b, rerr)
		return b.err
	}
	b.members++
	b.enqueued = b.enqueued || q.enqueued
	if len(q.handed) > 0 {
		b.handed = append(b.handed, q.handed...)
		b.handTo = q.handTo
	}
	return nil
}

// Riding.
//
// Some writes need not be committed on their own: marking a delivered
// message only has to be durable before long (lost, the message is claimed
// again after its lease, as a retry, and the adapters look for what the
// first try did, as after any lost mark). Under load such a write was a
// transaction, and an fsync, of its own for every few deliveries. A rider
// instead waits, for at most defaultRideWait, for the next batch that another
// caller begins, and its work runs in that batch, in a savepoint of its
// own, before the beginner's: it costs a statement, not a commit. It waits
// only while the writer is busy (a batch began as recently); on an
// idle writer, and when nobody began a batch in time, it writes as any
// caller does. A rider seated in a batch is one of its members and follows
// it to its commit like the others, so the liveness argument holds.

// defaultRideWait bounds how long a rider waits for a batch to ride.
const defaultRideWait = 10 * time.Millisecond

// rider is a write waiting for a batch.
type rider struct {
	ctx context.Context
	fn  func(q *querier) error
	// seated receives, once, the batch the rider's work was released into,
	// or the error its work failed with (nothing of it was written).
	seated chan seating
}

type seating struct {
	b   *writeBatch
	err error
}

// inTxRide is inTx for a write that may ride another caller's batch.
func (s *Store) inTxRide(ctx context.Context, fn func(q *querier) error) error {
	g := &s.gc
	if err := s.takeTurn(ctx); err != nil {
		return err
	}
	if g.open != nil || time.Since(g.lastBegin) >= g.rideWait {
		return s.runHeld(ctx, fn)
	}
	r := &rider{ctx: ctx, fn: fn, seated: make(chan seating, 1)}
	g.riders = append(g.riders, r)
	g.giveBack()
	timer := time.NewTimer(g.rideWait)
	defer timer.Stop()
	select {
	case st := <-r.seated:
		return s.rode(st)
	case <-timer.C:
	}
	// Nobody began a batch in time: write alone, unless a beginner seated
	// the rider meanwhile. The turn is taken without the context: the
	// rider must leave the list either way.
	g.waiting.Add(1)
	g.turn <- struct{}{}
	g.waiting.Add(-1)
	for i, x := range g.riders {
		if x == r {
			g.riders = append(g.riders[:i:i], g.riders[i+1:]...)
			if err := ctx.Err(); err != nil {
				s.endTurn()
				return fmt.Errorf("begin: %w", err)
			}
			return s.runHeld(ctx, fn)
		}
	}
	g.giveBack()
	return s.rode(<-r.seated)
}

// rode follows the batch a rider was seated in to its commit.
func (s *Store) rode(st seating) error {
	if st.err != nil {
		return st.err
	}
	return s.follow(st.b)
}

// seat runs rider r's work in a savepoint of the batch b being begun.
// Held turn. A rider's fn is the store's own code; a panic in it is the
// rider's error, not its seater's.
func (s *Store) seat(b *writeBatch, r *rider) (st seating) {
	if err := r.ctx.Err(); err != nil {
		return seating{err: fmt.Errorf("begin: %w", err)}
	}
	if _, err := b.tx.ExecContext(context.Background(), `SAVEPOINT member`); err != nil {
		s.failBatch(b, err)
		return seating{err: b.err}
	}
	q := &querier{s: s, tx: memberTx{b.tx}}
	defer func() {
		if p := recover(); p != nil {
			s.rollbackMember(b)
			st = seating{err: fmt.Errorf("write panicked: %v", p)}
		}
	}()
	if err := r.fn(q); err != nil {
		s.rollbackMember(b)
		return seating{err: err}
	}
	if err := s.release(b, q); err != nil {
		return seating{err: err}
	}
	s.gc.rode.Add(1)
	return seating{b: b}
}

// rollbackMember undoes the work of the turn's holder since its SAVEPOINT.
// Held turn; b is the open batch unless it failed already.
func (s *Store) rollbackMember(b *writeBatch) {
	if s.gc.open != b {
		return
	}
	if _, err := b.tx.ExecContext(context.Background(), `ROLLBACK TO member`); err != nil {
		s.failBatch(b, err)
		return
	}
	if _, err := b.tx.ExecContext(context.Background(), `RELEASE member`); err != nil {
		s.failBatch(b, err)
	}
}

// failBatch rolls back the open batch b after an error that leaves its
// transaction unusable; its members get the error. Held turn.
func (s *Store) failBatch(b *writeBatch, cause error) {
	_ = b.tx.Rollback()
	b.err = fmt.Errorf("write transaction aborted: %w", mapErr(cause))
	s.gc.open = nil
	close(b.done)
}

// endTurn ends the holder's turn: it commits the open batch when nobody is
// waiting to join it or it is full, rolls it back when it has no member
// (see the liveness argument above), and gives the turn back.
func (s *Store) endTurn() {
	g := &s.gc
	if b := g.open; b != nil {
		switch {
		case b.members == 0:
			_ = b.tx.Rollback()
			g.open = nil
			close(b.done)
		case g.waiting.Load() == 0 || b.members >= maxBatchMembers:
			s.commit(b)
		}
	}
	g.giveBack()
}

// commit commits the open batch b and publishes the result. Held turn.
func (s *Store) commit(b *writeBatch) {
	g := &s.gc
	var err error
	if g.beforeCommit != nil {
		err = g.beforeCommit()
	}
	if err == nil {
		err = b.tx.Commit()
	} else {
		_ = b.tx.Rollback()
	}
	if err != nil {
		b.err = fmt.Errorf("commit: %w", mapErr(err))
	}
	g.commits.Add(1)
	g.members.Add(int64(b.members))
	g.open = nil
	close(b.done)
	if err == nil && len(b.handed) > 0 {
		b.handTo(b.handed)
	}
	if err == nil && b.enqueued {
		s.signalOutbox()
	}
}

// follow waits, as a member of b, until b has committed, committing it
// itself if it takes the turn while b is still open. It does not watch the
// caller's context: the member's work is in b, and the caller must learn
// whether it was written.
func (s *Store) follow(b *writeBatch) error {
	g := &s.gc
	select {
	case <-b.done:
		return b.err
	case g.turn <- struct{}{}:
		if g.open == b {
			s.commit(b)
		}
		g.giveBack()
		return b.err
	}
}

// memberTx is the shared transaction as one member's statements see it:
// the member's context is checked before each statement, and the statement
// runs with a context that cannot be cancelled, so that an interrupt cannot
// abort the other members' work (see above).
type memberTx struct{ tx *sql.Tx }

func (m memberTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m.tx.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (m memberTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m.tx.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (m memberTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if ctx.Err() != nil {
		// A *sql.Tx checks its context before it reaches the driver, so
		// this returns a Row holding ctx's error without running anything.
		return m.tx.QueryRowContext(ctx, query, args...)
	}
	return m.tx.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
