package changes_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/changes"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/retry"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// A rollout seen by the watch is a deploy; the first list is the
// baseline; a rollout made while the watch was down is recorded at the
// next list; two replicas watching record each rollout once.
func TestKubeWatchRecordsRollouts(t *testing.T) {
	s := storagetest.NewSQLite(t)
	web := func(rev, image string) changes.Rollout {
		return changes.Rollout{Namespace: "shop", Name: "web", Labels: map[string]string{"app.kubernetes.io/name": "checkout"},
			Revision: rev, Images: []string{image}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	calls := map[int]int{} // replica → watch calls
	watch := func(replica int) changes.WatchFunc {
		return func(ctx context.Context, ns string, fn func(changes.Rollout, bool)) error {
			mu.Lock()
			calls[replica]++
			n := calls[replica]
			mu.Unlock()
			switch n {
			case 1:
				fn(web("5", "ghcr.io/acme/web:v42"), true) // baseline
				fn(changes.Rollout{Namespace: "shop", Name: "api", Revision: "2", Images: []string{"api:v1"}}, true)
				fn(web("6", "ghcr.io/acme/web:v43"), false)
				return errors.New("watch stream reset")
			case 2:
				fn(web("7", "ghcr.io/acme/web:v44"), true) // rolled out while the watch was down
				fn(web("7", "ghcr.io/acme/web:v44"), false)
				return errors.New("watch stream reset")
			}
			<-ctx.Done()
			return nil
		}
	}
	done := make(chan struct{})
	for replica := range 2 {
		k := changes.NewKubeWatch(changes.KubeWatchOptions{Watch: watch(replica), Namespaces: []string{"shop"}, Store: s,
			Clock: clock.NewFake(t0), Retry: retry.Policy{First: time.Millisecond, Longest: time.Millisecond}})
		go func() { k.Run(ctx); done <- struct{}{} }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := calls[0] + calls[1]
		mu.Unlock()
		if n >= 6 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	<-done
	// The rows exist once the third call began: both recordings finished.
	cs := (&intake{t: t, store: s}).changes()
	if len(cs) != 2 {
		t.Fatalf("%d changes, want 2 (v43 and v44, once each): %+v", len(cs), cs)
	}
	if c := cs[1]; c.Service != "checkout" || c.Version != "v43" || c.PreviousVersion != "v42" || c.Source != "kubernetes" || c.ExternalID != "shop/web/6" {
		t.Errorf("first rollout %+v", c)
	}
	if c := cs[0]; c.Version != "v44" || c.PreviousVersion != "v43" {
		t.Errorf("rollout during the outage %+v", c)
	}
}
