package checkin_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

const benchIncidents = 10_000

// benchEnv is one replica with 10,000 open sev1 incidents, each with an
// impact check-in, on the real clock, and a sender delivering the outbox
// to a fake chat that notes when each channel got its check-in.
type benchEnv struct {
	store storage.Store
	db    *pgx.Conn // Postgres only: moves due times in one statement
	sched *checkin.Sweeper
	chat  *timedChat

	// keys are the check-in keys, in the order of their due times.
	keys []string
	// channel is the chat channel of each check-in key.
	channel map[string]string

	mu   sync.Mutex
	due  map[string]time.Time // check-in key → due time of the fire sent
	lags []time.Duration      // due → commit
	late int
}

// timedChat is a fake chat that keeps when each channel was first posted to.
type timedChat struct {
	mu     sync.Mutex
	posted map[string]time.Time
}

func (c *timedChat) Platform() string { return "slack" }
func (c *timedChat) OpenChannel(context.Context, bot.OpenChannelRequest) (string, error) {
	return "", fmt.Errorf("not in this benchmark")
}
func (c *timedChat) Post(_ context.Context, channelID string, _ bot.Message, _ bot.PostOptions) (string, error) {
	now := time.Now()
	c.mu.Lock()
	if _, ok := c.posted[channelID]; !ok {
		c.posted[channelID] = now
	}
	c.mu.Unlock()
	return strconv.FormatInt(now.UnixNano(), 10), nil
}
func (c *timedChat) Update(context.Context, string, string, bot.Message) error { return nil }
func (c *timedChat) Ephemeral(context.Context, string, incident.Actor, bot.Message) error {
	return nil
}

// newBenchEnv builds the environment on Postgres (pg) or SQLite.
func newBenchEnv(b *testing.B, pg bool) *benchEnv {
	b.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	env := &benchEnv{channel: map[string]string{}, due: map[string]time.Time{}, chat: &timedChat{posted: map[string]time.Time{}}}
	parallel := 1 // SQLite has one writer (what serve sets)
	if pg {
		url := storagetest.PostgresURL(b)
		s, err := postgres.Open(ctx, url, postgres.WithLogger(quiet))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		db, err := pgx.Connect(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = db.Close(context.Background()) })
		env.store, env.db, parallel = s, db, checkin.DefaultParallel
	} else {
		env.store = storagetest.NewSQLite(b)
	}
	s := env.store
	// TQ_BENCH_BATCH and TQ_BENCH_PARALLEL try other batch sizes and
	// parallelism than the defaults serve uses.
	batch, _ := strconv.Atoi(os.Getenv("TQ_BENCH_BATCH"))
	if p, _ := strconv.Atoi(os.Getenv("TQ_BENCH_PARALLEL")); p > 0 {
		parallel = p
	}
	sched, err := checkin.New(defaults(), checkin.Options{Store: s, Clock: clock.Real{}, Logger: quiet, Parallel: parallel, Batch: batch, OnSent: func(x checkin.Sent) {
		env.mu.Lock()
		env.lags = append(env.lags, x.Committed.Sub(x.Due))
		env.due[x.Key] = x.Due
		if x.Late {
			env.late++
		}
		env.mu.Unlock()
	}})
	if err != nil {
		b.Fatal(err)
	}
	engine := bottest.NewEngine(b, bot.Options{Commands: append(bot.Commands(), sched.Commands()...), Hooks: []bot.Hook{sched},
		Store: s, Clock: clock.Real{}, Logger: quiet})
	env.sched = sched.Sweeper(engine)
	far := time.Now().Add(24 * time.Hour)
	for start := 0; start < benchIncidents; start += 500 {
		err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			for i := start; i < min(start+500, benchIncidents); i++ {
				inc, _, err := incident.Declare(time.Now(), alice, incident.Sev1, fmt.Sprintf("incident %d", i))
				if err != nil {
					return err
				}
				inc.Channels = []incident.ChannelRef{{Platform: "slack", ChannelID: fmt.Sprintf("C%d", i)}}
				if err := q.CreateIncident(ctx, inc); err != nil {
					return err
				}
				c := storage.Checkin{Key: inc.Key + "/impact", Kind: storage.CheckinImpact, IncidentID: inc.ID,
					Spec: "@every 10m", Active: true, NextDueAt: far, UpdatedAt: time.Now()}
				if err := q.CreateCheckin(ctx, &c); err != nil {
					return err
				}
				env.keys = append(env.keys, c.Key)
				env.channel[c.Key] = inc.Channels[0].ChannelID
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return env
}

// dueFrom makes the i-th check-in due at start + i*spread/N.
func (e *benchEnv) dueFrom(b *testing.B, start time.Time, spread time.Duration) {
	b.Helper()
	ctx := context.Background()
	step := spread / benchIncidents
	if e.db != nil {
		_, err := e.db.Exec(ctx, `UPDATE checkins SET next_due_at = $1::timestamptz + (id - 1) * $2::interval`,
			start, fmt.Sprintf("%d microseconds", step.Microseconds()))
		if err != nil {
			b.Fatal(err)
		}
	} else {
		err := e.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			for i, k := range e.keys {
				c, err := q.GetCheckin(ctx, k)
				if err != nil {
					return err
				}
				c.NextDueAt = start.Add(time.Duration(i) * step)
				if err := q.UpdateCheckin(ctx, &c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	e.mu.Lock()
	e.lags, e.late = e.lags[:0], 0
	clear(e.due)
	e.mu.Unlock()
	e.chat.mu.Lock()
	clear(e.chat.posted)
	e.chat.mu.Unlock()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dbCPU is the CPU time of the Postgres backends serving this benchmark's
// database (0 on SQLite, which runs in this process), read from /proc: the
// database server's half of the cost, which the Go process's CPU misses.
// Backends that exit mid-run are lost; the pool keeps its connections.
func (e *benchEnv) dbCPU(b *testing.B) time.Duration {
	if e.db == nil {
		return 0
	}
	rows, err := e.db.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command (which may hold spaces) from ")": state is
		// field 3, utime 14, stime 15, in clock ticks (100 a second).
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * 10 * time.Millisecond
	}
	return total
}

// run sweeps the way Scheduler.Run does (wake at the next due time, at
// least every second) while a sender delivers, until every check-in has
// been posted to the fake chat, and reports lag percentiles (due → commit
// and due → posted), CPU per check-in and throughput.
func (e *benchEnv) run(b *testing.B) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sender := bot.NewSender(bot.SenderOptions{Store: e.store, Clock: clock.Real{}, Deliverers: []bot.Deliverer{e.chat},
		Logger: slog.New(slog.DiscardHandler)})
	senderDone := make(chan struct{})
	cpu0, db0, wall0, sweeps := cpuTime(), e.dbCPU(b), time.Now(), 0
	go func() { defer close(senderDone); _ = sender.Run(ctx) }()
	var committedAt time.Duration
	for committedAt == 0 {
		if _, err := e.sched.Sweep(ctx); err != nil {
			b.Fatal(err)
		}
		sweeps++
		e.mu.Lock()
		done := len(e.lags)
		e.mu.Unlock()
		if done >= benchIncidents {
			committedAt = time.Since(wall0)
			break
		}
		wait := time.Second
		if due, err := e.store.NextCheckinDue(ctx); err == nil {
			wait = min(max(time.Until(due), 0), wait)
		}
		time.Sleep(wait)
	}
	for {
		e.chat.mu.Lock()
		n := len(e.chat.posted)
		e.chat.mu.Unlock()
		if n >= benchIncidents {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cpu, dbcpu := cpuTime()-cpu0, e.dbCPU(b)-db0
	cancel()
	<-senderDone

	e.mu.Lock()
	lags := slices.Clone(e.lags)
	var posted []time.Duration
	e.chat.mu.Lock()
	for k, due := range e.due {
		posted = append(posted, e.chat.posted[e.channel[k]].Sub(due))
	}
	e.chat.mu.Unlock()
	e.mu.Unlock()
	slices.Sort(lags)
	slices.Sort(posted)
	pct := func(ls []time.Duration, p float64) float64 {
		return float64(ls[min(len(ls)-1, int(float64(len(ls))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(lags, 0.50), "p50-lag-ms")
	b.ReportMetric(pct(lags, 0.99), "p99-lag-ms")
	b.ReportMetric(pct(lags, 1), "max-lag-ms")
	b.ReportMetric(pct(posted, 0.50), "p50-posted-ms")
	b.ReportMetric(pct(posted, 0.99), "p99-posted-ms")
	b.ReportMetric(pct(posted, 1), "max-posted-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(sweeps), "cpu-ms/sweep")
	// CPU per check-in covers sweeping and delivering: the Go process, and
	// on Postgres its backends too (db-cpu-us/checkin).
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(lags)), "cpu-us/checkin")
	b.ReportMetric(float64(dbcpu.Microseconds())/float64(len(lags)), "db-cpu-us/checkin")
	b.ReportMetric(float64(len(lags))/committedAt.Seconds(), "checkins/s")
	b.ReportMetric(float64(sweeps), "sweeps")
	// Every check-in fell due while this replica was up: none may be late.
	b.ReportMetric(float64(e.late), "late")
}

// stores runs fn on Postgres (when TOURNIQUET_TEST_DATABASE_URL is set)
// and on SQLite.
func stores(b *testing.B, fn func(b *testing.B, pg bool)) {
	if os.Getenv(storagetest.PostgresEnv) != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, true) })
	}
	b.Run("sqlite", func(b *testing.B) { fn(b, false) })
}

// BenchmarkCheckinsSteady: 10,000 open incidents whose check-ins fall due
// spread over 60 s (167 a second, ten times the rate of 10,000 sev1
// incidents at @every 10m), one replica sweeping on the real clock.
func BenchmarkCheckinsSteady(b *testing.B) {
	stores(b, func(b *testing.B, pg bool) {
		env := newBenchEnv(b, pg)
		for b.Loop() {
			env.dueFrom(b, time.Now().Add(2*time.Second), 60*time.Second)
			env.run(b)
		}
	})
}

// BenchmarkCheckinsBurst: all 10,000 check-ins due at the same instant
// (a restart after downtime): how long one replica takes to send them all.
func BenchmarkCheckinsBurst(b *testing.B) {
	stores(b, func(b *testing.B, pg bool) {
		env := newBenchEnv(b, pg)
		for b.Loop() {
			env.dueFrom(b, time.Now().Add(time.Second), 0)
			env.run(b)
		}
	})
}
