package alerts_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/alerts"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
)

// Three replicas route the same groups at once: each group is proposed
// once.
func TestReplicasRouteEachGroupOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, config.Alerts{})
		for i := range 6 {
			n := highErrorRate(1)
			n.groupKey = fmt.Sprintf(`{}:{alertname="A%d"}`, i)
			n.common["alertname"] = fmt.Sprintf("A%d", i)
			h.notify(n)
		}
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total int
		)
		for range 3 {
			r, err := alerts.New(alerts.Options{Config: h.cfg, Triage: triage, Store: s, Clock: h.clock})
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				n, err := r.RouteAll(context.Background(), h.engine)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
		h.drain()
		if total != 6 {
			t.Errorf("routed %d times, want 6", total)
		}
		if got := len(h.in(triage.ChannelID)); got != 6 {
			t.Errorf("%d proposals, want 6", got)
		}
	})
}
