package checkin_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
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

// killer is a hook that cancels its scheduler's context from inside a
// transaction once it has seen n check-ins sent: the replica dies
// mid-sweep, with rows claimed and messages half enqueued.
type killer struct {
	n      int64
	seen   atomic.Int64
	cancel context.CancelFunc
	killed atomic.Bool
}

func (k *killer) OnEvents(ctx context.Context, tx *bot.Tx, evs []incident.Event) error {
	for _, e := range evs {
		if e.Kind == incident.KindCheckinSent && k.seen.Add(1) == k.n {
			k.killed.Store(true)
			k.cancel()
		}
	}
	return nil
}

// TestReplicasSendEachCheckinOnce runs three schedulers, each on its own
// Postgres store (its own pool), over 1,000 incidents with a check-in due,
// and kills one of them mid-run. Every due check-in must be sent exactly
// once: one fire record, one checkin_sent event, one message enqueued;
// then again for the next round, with the survivors only.
func TestReplicasSendEachCheckinOnce(t *testing.T) {
	const incidents = 1000
	url := storagetest.PostgresURL(t)
	ctx, cancelAll := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancelAll()
	clk := clock.NewFake(t0)
	quiet := slog.New(slog.DiscardHandler)

	var stores []storage.Store
	for range 3 {
		s, err := postgres.Open(ctx, url, postgres.WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores = append(stores, s)
	}
	if err := stores[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// 1,000 open sev1 incidents, declared before anyone sweeps.
	for i := range incidents {
		inc, _, err := incident.Declare(t0, alice, incident.Sev1, fmt.Sprintf("incident %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if err := stores[i%3].CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}

	var sent atomic.Int64
	var runs sync.WaitGroup
	kill := &killer{n: 150}
	names := []string{"A", "B", "C"}
	perReplica := make([]atomic.Int64, 3)
	for i, s := range stores {
		sched, err := checkin.New(defaults(), checkin.Options{
			Store: s, Clock: clk, Logger: quiet, Poll: 5 * time.Millisecond, Batch: 20,
			OnSent: func(checkin.Sent) { sent.Add(1); perReplica[i].Add(1) },
		})
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		hooks := []bot.Hook{sched}
		if names[i] == "B" {
			kill.cancel = cancel
			hooks = append(hooks, kill)
		}
		engine := bottest.NewEngine(t, bot.Options{Commands: append(bot.Commands(), sched.Commands()...), Hooks: hooks,
			Store: s, Clock: clk, Logger: quiet})
		sweeper := sched.Sweeper(engine)
		if i == 0 { // create the check-ins before anything is due
			if err := sweeper.Backfill(ctx); err != nil {
				t.Fatal(err)
			}
		}
		runs.Add(1)
		go func() {
			defer runs.Done()
			_ = sweeper.Run(rctx)
		}()
	}

	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	count := func(sql string) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	waitFor := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for sent.Load() < want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // let anything extra show up
		if got := sent.Load(); got != want {
			t.Fatalf("sent %d check-ins, want %d", got, want)
		}
	}
	check := func(round int64) {
		t.Helper()
		want := round * incidents
		if n := count(`SELECT count(*) FROM checkin_fires`); n != want {
			t.Errorf("round %d: %d fire records, want %d", round, n, want)
		}
		if n := count(fmt.Sprintf(`SELECT count(*) FROM (SELECT checkin_id FROM checkin_fires
			GROUP BY checkin_id HAVING count(*) <> %d) x`, round)); n != 0 {
			t.Errorf("round %d: %d check-ins not fired exactly %d times", round, n, round)
		}
		if n := count(`SELECT count(*) FROM events WHERE kind = 'checkin_sent'`); n != want {
			t.Errorf("round %d: %d checkin_sent events, want %d", round, n, want)
		}
		if n := count(`SELECT count(*) FROM outbox WHERE kind = 'post' AND payload->>'key' LIKE '%/checkin/%'`); n != want {
			t.Errorf("round %d: %d check-in messages enqueued, want %d", round, n, want)
		}
		if n := count(`SELECT count(DISTINCT payload->>'key') FROM outbox WHERE kind = 'post'`); n != want {
			t.Errorf("round %d: %d distinct check-in messages, want %d", round, n, want)
		}
		if n := count(`SELECT count(*) FROM outbox WHERE kind = 'update' AND payload->>'key' LIKE '%/checkin/%'`); n != want-incidents {
			t.Errorf("round %d: %d superseded check-ins updated, want %d", round, n, want-incidents)
		}
	}

	clk.Set(t0.Add(10 * time.Minute))
	waitFor(incidents)
	check(1)
	if !kill.killed.Load() {
		t.Fatal("replica B was never killed mid-sweep")
	}
	t.Logf("round 1: A sent %d, B %d (killed mid-transaction), C %d", perReplica[0].Load(), perReplica[1].Load(), perReplica[2].Load())
	b := perReplica[1].Load()

	clk.Set(t0.Add(20 * time.Minute))
	waitFor(2 * incidents)
	check(2)
	if perReplica[1].Load() != b {
		t.Fatal("the killed replica kept sending")
	}
	t.Logf("round 2: A sent %d, C %d", perReplica[0].Load(), perReplica[2].Load())
	cancelAll()
	runs.Wait()
}
