package checkin_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/postgres"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// A sweep that fires its batches in parallel (Postgres) sends each due
// check-in once: one fire record and one report each, none late.
func TestParallelSweepSendsEachOnce(t *testing.T) {
	const incidents = 300
	url := storagetest.PostgresURL(t)
	ctx := context.Background()
	clk := clock.NewFake(t0)
	quiet := slog.New(slog.DiscardHandler)
	s, err := postgres.Open(ctx, url, postgres.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range incidents {
		inc, _, err := incident.Declare(t0, alice, incident.Sev1, fmt.Sprintf("incident %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}
	var sent, late atomic.Int64
	sched, err := checkin.New(defaults(), checkin.Options{Store: s, Clock: clk, Logger: quiet, Batch: 10, Parallel: 4,
		OnSent: func(x checkin.Sent) {
			sent.Add(1)
			if x.Late {
				late.Add(1)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	engine := bottest.NewEngine(t, bot.Options{Commands: append(bot.Commands(), sched.Commands()...),
		Hooks: []bot.Hook{sched}, Store: s, Clock: clk, Logger: quiet})
	sweeper := sched.Sweeper(engine)
	if err := sweeper.Backfill(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(10*time.Minute + time.Second))
	n, err := sweeper.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != incidents || sent.Load() != incidents || late.Load() != 0 {
		t.Fatalf("one sweep sent %d (reported %d, %d late), want %d, none late", n, sent.Load(), late.Load(), incidents)
	}
	if n, err := sweeper.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("a second sweep at the same time sent %d, %v; want 0", n, err)
	}
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var fires, distinct int
	if err := db.QueryRow(ctx, `SELECT count(*), count(DISTINCT checkin_id) FROM checkin_fires`).Scan(&fires, &distinct); err != nil {
		t.Fatal(err)
	}
	if fires != incidents || distinct != incidents {
		t.Fatalf("%d fire records of %d check-ins, want %d of %d", fires, distinct, incidents, incidents)
	}
}

// txCounter counts the transactions run through it.
type txCounter struct {
	storage.Store
	n atomic.Int64
}

func (s *txCounter) InTx(ctx context.Context, fn func(ctx context.Context, q storage.Querier) error) error {
	s.n.Add(1)
	return s.Store.InTx(ctx, fn)
}

// TestParallelSweepClaimsOnceWhenFew: with parallel batches, a sweep that
// finds fewer check-ins due than a batch claims once, not once per
// parallel batch (in the steady state, a sweep every few milliseconds).
func TestParallelSweepClaimsOnceWhenFew(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		counted := &txCounter{Store: s}
		h := newHarness(t, counted, defaults(), checkin.Options{Parallel: 4}, bot.Options{})
		h.declare(alice, "/incident declare sev1 Checkout errors")
		h.clock.Advance(10*time.Minute + time.Second)
		before := counted.n.Load()
		if n, err := h.sched.Sweep(context.Background()); err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v; want 1 sent", n, err)
		}
		// One transaction claims and fires; the other is the digest's.
		if got := counted.n.Load() - before; got != 2 {
			t.Errorf("a sweep of one due check-in ran %d transactions, want 2 (one claim, the digest's)", got)
		}
	})
}
