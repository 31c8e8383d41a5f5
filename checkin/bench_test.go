package checkin_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
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

// benchEnv is one replica on Postgres with 10,000 open sev1 incidents,
// each with an impact check-in, on the real clock.
type benchEnv struct {
	store storage.Store
	db    *pgx.Conn
	sched *checkin.Sweeper

	mu   sync.Mutex
	lags []time.Duration
	late int
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	url := storagetest.PostgresURL(b)
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
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
	env := &benchEnv{store: s, db: db}
	sched, err := checkin.New(defaults(), checkin.Options{Store: s, Clock: clock.Real{}, Logger: quiet, Parallel: checkin.DefaultParallel, OnSent: func(x checkin.Sent) {
		env.mu.Lock()
		env.lags = append(env.lags, x.Committed.Sub(x.Due))
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
	_, err := e.db.Exec(context.Background(), `UPDATE checkins SET next_due_at = $1::timestamptz + (id - 1) * $2::interval`,
		start, fmt.Sprintf("%d microseconds", (spread/benchIncidents).Microseconds()))
	if err != nil {
		b.Fatal(err)
	}
	e.mu.Lock()
	e.lags, e.late = e.lags[:0], 0
	e.mu.Unlock()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// run sweeps the way Scheduler.Run does (wake at the next due time, at
// least every second) until every check-in has been sent once, and
// reports lag percentiles, CPU per sweep and throughput.
func (e *benchEnv) run(b *testing.B) {
	b.Helper()
	ctx := context.Background()
	cpu0, wall0, sweeps := cpuTime(), time.Now(), 0
	for {
		if _, err := e.sched.Sweep(ctx); err != nil {
			b.Fatal(err)
		}
		sweeps++
		e.mu.Lock()
		done := len(e.lags)
		e.mu.Unlock()
		if done >= benchIncidents {
			break
		}
		wait := time.Second
		if due, err := e.store.NextCheckinDue(ctx); err == nil {
			wait = min(max(time.Until(due), 0), wait)
		}
		time.Sleep(wait)
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	lags := slices.Clone(e.lags)
	slices.Sort(lags)
	pct := func(p float64) time.Duration { return lags[min(len(lags)-1, int(float64(len(lags))*p))] }
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-lag-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-lag-ms")
	b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "max-lag-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(sweeps), "cpu-ms/sweep")
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(lags)), "cpu-us/checkin")
	b.ReportMetric(float64(len(lags))/wall.Seconds(), "checkins/s")
	b.ReportMetric(float64(sweeps), "sweeps")
	// Every check-in fell due while this replica was up: none may be late.
	b.ReportMetric(float64(e.late), "late")
}

// BenchmarkCheckinsSteady: 10,000 open incidents whose check-ins fall due
// spread over 60 s (167 a second, ten times the rate of 10,000 sev1
// incidents at @every 10m), one replica sweeping on the real clock.
func BenchmarkCheckinsSteady(b *testing.B) {
	env := newBenchEnv(b)
	for b.Loop() {
		env.dueFrom(b, time.Now().Add(2*time.Second), 60*time.Second)
		env.run(b)
	}
}

// BenchmarkCheckinsBurst: all 10,000 check-ins due at the same instant
// (a restart after downtime): how long one replica takes to send them all.
func BenchmarkCheckinsBurst(b *testing.B) {
	env := newBenchEnv(b)
	for b.Loop() {
		env.dueFrom(b, time.Now().Add(time.Second), 0)
		env.run(b)
	}
}
