package probe_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// countingStore counts the transactions run through it.
type countingStore struct {
	storage.Store
	txs atomic.Int64
}

func (s *countingStore) InTx(ctx context.Context, fn func(ctx context.Context, q storage.Querier) error) error {
	s.txs.Add(1)
	return s.Store.InTx(ctx, fn)
}

// failOn is a hook that fails the unit of work recording a probe's
// impacting event on one incident.
type failOn struct{ key string }

func (f *failOn) OnEvents(_ context.Context, tx *bot.Tx, evs []incident.Event) error {
	for _, ev := range evs {
		if ev.Kind == incident.KindProbeImpacting && tx.Incident.Key == f.key {
			return errors.New("this incident's result does not apply")
		}
	}
	return nil
}

// TestSweepAppliesResultsTogether: the results of one sweep's claim are
// committed in one transaction, not one each (a commit, an fsync on
// SQLite, per result bounded a burst of due probes).
func TestSweepAppliesResultsTogether(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		f := newFakeProm(t, token)
		f.setValue(0.5)
		cs := &countingStore{Store: s}
		clk := clock.NewFake(t0)
		p := promProbe(f.srv.URL)
		p.For, p.Lookback = 0, -1
		h := newHarness(t, cs, clk, p)
		for range 10 {
			h.declare("declare sev2 Checkout errors", "checkout")
		}
		before := cs.txs.Load()
		if n := h.advance(p.Interval); n != 10 {
			t.Fatalf("%d results committed, want 10", n)
		}
		if got := cs.txs.Load() - before; got != 1 {
			t.Errorf("10 results applied in %d transactions, want 1", got)
		}
	})
}

// TestSweepIsolatesAResultThatFails: a result that does not apply leaves
// every other one of its batch applied.
func TestSweepIsolatesAResultThatFails(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		f := newFakeProm(t, token)
		f.setValue(0.5)
		clk := clock.NewFake(t0)
		p := promProbe(f.srv.URL)
		p.For, p.Lookback = 0, -1
		h := newHarness(t, s, clk, p)
		fail := &failOn{}
		h.engine = bottest.NewEngine(t, bot.Options{Store: s, Clock: clk, Commands: append(bot.Commands(), h.svc.Commands()...),
			Hooks: []bot.Hook{h.svc, fail}, Panels: []bot.Panel{h.svc}})
		h.worker = h.svc.Worker(h.engine)
		var keys []string
		for range 5 {
			inc, _ := h.declare("declare sev2 Checkout errors", "checkout")
			keys = append(keys, inc.Key)
		}
		fail.key = keys[2]
		if n := h.advance(p.Interval); n != 4 {
			t.Errorf("%d results committed, want 4", n)
		}
		for i, k := range keys {
			want := 1
			if i == 2 {
				want = 0
			}
			if got := len(h.eventsOf(k, incident.KindProbeImpacting)); got != want {
				t.Errorf("%s: %d probe_impacting events, want %d", k, got, want)
			}
		}
	})
}
