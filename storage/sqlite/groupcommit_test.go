package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

var gcBase = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func openMigrated(t *testing.T) *Store {
	t.Helper()
	s := openTest(t)
	if err := s.Migrate(testCtx(t)); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func ref(i int) storage.MessageRef {
	return storage.MessageRef{Platform: "slack", ChannelID: "C", MessageID: fmt.Sprint(i)}
}

// present reports whether key was committed, read on the reader pool (a
// connection other than the writer's).
func present(t *testing.T, s *Store, key string) bool {
	t.Helper()
	_, err := s.GetMessageRef(testCtx(t), key)
	switch {
	case err == nil:
		return true
	case errors.Is(err, storage.ErrNotFound):
		return false
	}
	t.Fatalf("GetMessageRef(%s): %v", key, err)
	return false
}

// inOneBatch runs InTx(fns[i]) on a goroutine each and returns their
// errors and panics. Caller 0 takes the writer first and holds it, inside
// its fn, until every other caller is waiting for the writer, so that all
// of them join the batch it began: the holder leaves the batch open while
// anyone waits.
func inOneBatch(t *testing.T, s *Store, fns []func(ctx context.Context, q storage.Querier) error) (errs []error, panics []any) {
	t.Helper()
	n := len(fns)
	errs, panics = make([]error, n), make([]any, n)
	entered := make(chan struct{})
	var wg sync.WaitGroup
	for i, fn := range fns {
		if i == 1 {
			<-entered
		}
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			errs[i] = s.InTx(testCtx(t), func(ctx context.Context, q storage.Querier) error {
				if i == 0 {
					close(entered)
					deadline := time.Now().Add(30 * time.Second)
					for s.gc.waiting.Load() < int32(n-1) && time.Now().Before(deadline) {
						time.Sleep(time.Millisecond)
					}
				}
				return fn(ctx, q)
			})
		})
	}
	wg.Wait()
	return errs, panics
}

func putRef(key string, i int) func(ctx context.Context, q storage.Querier) error {
	return func(ctx context.Context, q storage.Querier) error { return q.PutMessageRef(ctx, key, ref(i)) }
}

// putRefs are n members, the i-th writing key "k<i>".
func putRefs(n int) []func(ctx context.Context, q storage.Querier) error {
	fns := make([]func(ctx context.Context, q storage.Querier) error, n)
	for i := range fns {
		fns[i] = putRef(fmt.Sprintf("k%d", i), i)
	}
	return fns
}

func TestGroupCommitConcurrentWritersAllCommit(t *testing.T) {
	s := openMigrated(t)
	const writers, each = 16, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("w%d-%d", w, i)
				err := s.InTx(testCtx(t), func(ctx context.Context, q storage.Querier) error {
					if err := q.PutMessageRef(ctx, key, ref(i)); err != nil {
						return err
					}
					return q.EnqueueOutbox(ctx, storage.OutboxMessage{Platform: "slack", Channel: key, Kind: "post",
						Payload: []byte(`{}`), CreatedAt: gcBase, NextAttemptAt: gcBase})
				})
				if err != nil {
					t.Errorf("InTx %s: %v", key, err)
					return
				}
				// Committed once InTx returns: another connection sees it.
				if !present(t, s, key) {
					t.Errorf("%s not visible after InTx returned", key)
				}
			}
		})
	}
	wg.Wait()
	commits, members := s.gc.commits.Load(), s.gc.members.Load()
	t.Logf("%d transactions in %d commits", members, commits)
	if members != writers*each {
		t.Errorf("members = %d, want %d", members, writers*each)
	}
	if commits >= members {
		t.Errorf("%d commits for %d concurrent transactions: no group commit", commits, members)
	}
	select {
	case <-s.OutboxWake():
	default:
		t.Error("the outbox sender was not woken")
	}
}

func TestGroupCommitSharesOneCommit(t *testing.T) {
	s := openMigrated(t)
	const n = 8
	fns := putRefs(n)
	errs, panics := inOneBatch(t, s, fns)
	for i := range n {
		if errs[i] != nil || panics[i] != nil {
			t.Errorf("caller %d: %v, panic %v", i, errs[i], panics[i])
		}
		if !present(t, s, fmt.Sprintf("k%d", i)) {
			t.Errorf("k%d missing", i)
		}
	}
	if c, m := s.gc.commits.Load(), s.gc.members.Load(); c != 1 || m != n {
		t.Errorf("%d commits for %d members, want 1 for %d", c, m, n)
	}
}

func TestGroupCommitFailingMemberRolledBackAlone(t *testing.T) {
	s := openMigrated(t)
	const n, bad = 6, 3
	boom := errors.New("boom")
	fns := putRefs(n)
	fns[bad] = func(ctx context.Context, q storage.Querier) error {
		if err := putRef(fmt.Sprintf("k%d", bad), bad)(ctx, q); err != nil {
			return err
		}
		return boom
	}
	errs, _ := inOneBatch(t, s, fns)
	for i := range n {
		if i == bad {
			if !errors.Is(errs[i], boom) {
				t.Errorf("failing caller got %v, want boom", errs[i])
			}
			if present(t, s, fmt.Sprintf("k%d", i)) {
				t.Error("the failing caller's write was committed")
			}
			continue
		}
		if errs[i] != nil || !present(t, s, fmt.Sprintf("k%d", i)) {
			t.Errorf("caller %d: %v, present %v", i, errs[i], present(t, s, fmt.Sprintf("k%d", i)))
		}
	}
	if c := s.gc.commits.Load(); c != 1 {
		t.Errorf("%d commits, want the one shared", c)
	}
}

func TestGroupCommitPanickingMember(t *testing.T) {
	s := openMigrated(t)
	const n, bad = 6, 2
	fns := putRefs(n)
	fns[bad] = func(ctx context.Context, q storage.Querier) error {
		if err := putRef(fmt.Sprintf("k%d", bad), bad)(ctx, q); err != nil {
			return err
		}
		panic("member panics")
	}
	errs, panics := inOneBatch(t, s, fns)
	for i := range n {
		if i == bad {
			if panics[i] != "member panics" {
				t.Errorf("panicking caller recovered %v, want its panic", panics[i])
			}
			if present(t, s, fmt.Sprintf("k%d", i)) {
				t.Error("the panicking caller's write was committed")
			}
			continue
		}
		if errs[i] != nil || panics[i] != nil || !present(t, s, fmt.Sprintf("k%d", i)) {
			t.Errorf("caller %d: %v, panic %v", i, errs[i], panics[i])
		}
	}
}

func TestGroupCommitFailureReachesEveryMember(t *testing.T) {
	s := openMigrated(t)
	injected := errors.New("injected commit failure")
	s.gc.beforeCommit = func() error { return injected }
	const n = 5
	fns := putRefs(n)
	errs, _ := inOneBatch(t, s, fns)
	s.gc.beforeCommit = nil
	for i := range n {
		if !errors.Is(errs[i], injected) {
			t.Errorf("caller %d got %v, want the commit failure", i, errs[i])
		}
		if present(t, s, fmt.Sprintf("k%d", i)) {
			t.Errorf("k%d written although its commit failed", i)
		}
	}
	// The next caller begins afresh.
	if err := s.PutMessageRef(testCtx(t), "after", ref(0)); err != nil || !present(t, s, "after") {
		t.Errorf("write after a failed commit: %v", err)
	}
}

// A statement error that aborts the whole SQLite transaction (SQLITE_FULL,
// IOERR, …; a raw ROLLBACK here) fails the batch for every member whose
// work was in it, and the next caller begins afresh.
func TestGroupCommitAbortedTransactionFailsTheBatch(t *testing.T) {
	for _, fnFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("fnFails=%v", fnFails), func(t *testing.T) {
			s := openMigrated(t)
			const n, bad = 5, 2
			// The fns run one at a time (each holds the writer), in the
			// order the callers took their turns: order records it.
			var order []int
			fns := make([]func(ctx context.Context, q storage.Querier) error, n)
			for i := range fns {
				fns[i] = func(ctx context.Context, q storage.Querier) error {
					order = append(order, i)
					return putRef(fmt.Sprintf("k%d", i), i)(ctx, q)
				}
			}
			aborted := errors.New("aborted")
			fns[bad] = func(ctx context.Context, q storage.Querier) error {
				order = append(order, bad)
				if _, err := q.(*querier).tx.ExecContext(ctx, `ROLLBACK`); err != nil {
					return err
				}
				if fnFails {
					return aborted
				}
				return nil
			}
			errs, _ := inOneBatch(t, s, fns)
			before := true
			for _, i := range order {
				if i == bad {
					before = false
					if errs[i] == nil {
						t.Error("the aborting caller got no error")
					}
					continue
				}
				if got := present(t, s, fmt.Sprintf("k%d", i)); got == before {
					t.Errorf("caller %d (before the abort: %v): present %v", i, before, got)
				}
				if (errs[i] != nil) != before {
					t.Errorf("caller %d (before the abort: %v): %v", i, before, errs[i])
				}
			}
			if order[0] == bad {
				t.Fatal("the aborting caller ran first: the test proves nothing")
			}
			if fnFails && !errors.Is(errs[bad], aborted) {
				t.Errorf("the aborting caller got %v, want its own error", errs[bad])
			}
			if err := s.PutMessageRef(testCtx(t), "after", ref(0)); err != nil || !present(t, s, "after") {
				t.Errorf("write after an aborted batch: %v", err)
			}
		})
	}
}

// A member whose context ends fails at its next statement and is rolled
// back alone; the other members' work commits.
func TestGroupCommitCancelledMember(t *testing.T) {
	s := openMigrated(t)
	const n, bad = 4, 1
	fns := putRefs(n)
	fns[bad] = func(ctx context.Context, q storage.Querier) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if err := q.PutMessageRef(ctx, fmt.Sprintf("k%d", bad), ref(bad)); err != nil {
			return err
		}
		cancel()
		return q.PutMessageRef(ctx, "second", ref(bad))
	}
	errs, _ := inOneBatch(t, s, fns)
	for i := range n {
		if i == bad {
			if !errors.Is(errs[i], context.Canceled) {
				t.Errorf("cancelled caller got %v, want context.Canceled", errs[i])
			}
			if present(t, s, fmt.Sprintf("k%d", i)) || present(t, s, "second") {
				t.Error("the cancelled caller's writes were committed")
			}
			continue
		}
		if errs[i] != nil || !present(t, s, fmt.Sprintf("k%d", i)) {
			t.Errorf("caller %d: %v", i, errs[i])
		}
	}
}

// A caller whose context ends while it waits for the writer gives up
// without running fn.
func TestGroupCommitWaiterGivesUp(t *testing.T) {
	s := openMigrated(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	waiterDone := make(chan error, 1)
	var ran atomic.Bool
	err := s.InTx(testCtx(t), func(hctx context.Context, q storage.Querier) error {
		go func() {
			waiterDone <- s.InTx(ctx, func(context.Context, storage.Querier) error {
				ran.Store(true)
				return nil
			})
		}()
		for s.gc.waiting.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-waiterDone; !errors.Is(err, context.Canceled) {
			return fmt.Errorf("waiter: %w, want context.Canceled", err)
		}
		return q.PutMessageRef(hctx, "holder", ref(0))
	})
	if err != nil || !present(t, s, "holder") {
		t.Errorf("holder: %v", err)
	}
	if ran.Load() {
		t.Error("the cancelled waiter ran its fn")
	}
}

// The holder leaves its batch open when someone waits for the writer; if
// that waiter gives up instead of joining, a member must still commit the
// batch (here the waiter is only counted, and never takes a turn).
func TestGroupCommitNoBatchLeftBehind(t *testing.T) {
	s := openMigrated(t)
	s.gc.waiting.Add(1)
	defer s.gc.waiting.Add(-1)
	ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.PutMessageRef(ctx, "k", ref(0)) }()
	select {
	case err := <-done:
		if err != nil || !present(t, s, "k") {
			t.Errorf("PutMessageRef: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the batch was left open with nobody to commit it")
	}
}
