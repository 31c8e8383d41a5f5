package storagetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// claimConcurrently runs workers goroutines that each call claim until it
// claims nothing or fails, and checks that together they claimed each of
// the n items exactly once; noun names an item in failures. It returns how
// many times each item was claimed.
func claimConcurrently[K comparable](t *testing.T, workers, n int, noun string, claim func() ([]K, error)) map[K]int {
	t.Helper()
	var (
		mu      sync.Mutex
		claimed = map[K]int{}
		wg      sync.WaitGroup
		errs    = make(chan error, workers)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := claim()
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, k := range got {
					claimed[k]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("%s claimer: %v", noun, err)
	}
	checkClaimedOnce(t, n, noun, claimed)
	return claimed
}

// checkClaimedOnce checks that claimed counts n items, each claimed once.
func checkClaimedOnce[K comparable](t *testing.T, n int, noun string, claimed map[K]int) {
	t.Helper()
	if len(claimed) != n {
		t.Errorf("%d %ss claimed, want %d", len(claimed), noun, n)
	}
	for k, c := range claimed {
		if c != 1 {
			t.Errorf("%s %v claimed %d times", noun, k, c)
		}
	}
}

// claimWhileHeld runs hold in a transaction (a command that locks an
// incident and changes it) and, once hold has returned, claim in a second
// transaction. The first transaction stays open until the claim is done,
// or at most 300ms: on Postgres the claim must skip the held rows without
// waiting; on SQLite, with one writer, it waits for the first transaction
// and then sees its changes.
func claimWhileHeld(t *testing.T, s storage.Store, hold, claim func(ctx context.Context, q storage.Querier) error) {
	t.Helper()
	ctx := ctxFor(t)
	locked, claimed := make(chan struct{}), make(chan struct{})
	cmdErr := make(chan error, 1)
	go func() {
		cmdErr <- s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			if err := hold(ctx, q); err != nil {
				return err
			}
			close(locked)
			select { // hold the lock a while
			case <-claimed:
			case <-time.After(300 * time.Millisecond):
			}
			return nil
		})
	}()
	select {
	case <-locked:
	case err := <-cmdErr:
		select {
		case <-locked: // it held, and let go already: keep its result
			cmdErr <- err
		default: // it failed before it held anything
			t.Fatalf("command: %v", err)
		}
	}
	err := s.InTx(ctx, claim)
	close(claimed)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	if err := <-cmdErr; err != nil {
		t.Fatalf("command: %v", err)
	}
}
