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
