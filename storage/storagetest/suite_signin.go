package storagetest

import (
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// signinTests is the conformance suite of storage.SigninStore.
var signinTests = []storeTest{
	{"StateUsedOnce", testSigninStateUsedOnce},
	{"ConcurrentUse", testSigninConcurrentUse},
}

func testSigninStateUsedOnce(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	ok, err := s.UseSigninState(ctx, "h1", at(0), at(10*time.Minute))
	if err != nil || !ok {
		t.Fatalf("first use: %v %v", ok, err)
	}
	if ok, err := s.UseSigninState(ctx, "h1", at(time.Minute), at(11*time.Minute)); err != nil || ok {
		t.Fatalf("second use: %v %v, want refused", ok, err)
	}
	if ok, _ := s.UseSigninState(ctx, "h2", at(time.Minute), at(20*time.Minute)); !ok {
		t.Fatal("another state refused")
	}
	n, err := s.DeleteExpiredSigninStates(ctx, at(15*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("delete expired: %d %v, want 1", n, err)
	}
	// h2 is still remembered; h1 is forgotten once its state has expired.
	if ok, _ := s.UseSigninState(ctx, "h2", at(16*time.Minute), at(26*time.Minute)); ok {
		t.Error("h2 accepted again before it expired")
	}
}

func testSigninConcurrentUse(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for range n {
		wg.Go(func() {
			ok, err := s.UseSigninState(ctx, "same", at(0), at(time.Minute))
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of %d concurrent uses of one state succeeded, want 1", wins, n)
	}
}
