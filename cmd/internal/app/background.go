package app

import (
	"context"
	"sync"
)

// runInBackground runs run in a goroutine until ctx is done or the
// returned stop is called; stop waits for run to return, so a worker
// finishes the transaction it is in before shutdown goes on.
func runInBackground(ctx context.Context, run func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = run(ctx)
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}
