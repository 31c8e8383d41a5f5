package probe_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/probe"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

const (
	benchIncidents = 1_000
	benchInterval  = 30 * time.Second
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkProbes: 1,000 open incidents with 2 probes each (2,000
// evaluations every 30 s), their due times spread over the interval, one
// replica's worker running as in production (Worker.Run, real clock)
// against an httptest server speaking the Prometheus API. Lag is from an
// evaluation's due time to the commit of its result; the run lasts two
// intervals (4,000 evaluations). On Postgres (when
// TOURNIQUET_TEST_DATABASE_URL is set) and on SQLite.
func BenchmarkProbes(b *testing.B) {
	probeStores(b, func(b *testing.B, s storage.Store) { benchProbes(b, s, benchInterval, 2) })
}

// BenchmarkProbesBurst: the same 2,000 probes all due at the same instant
// (a restart after downtime): how long one replica takes to evaluate and
// commit them all, once.
func BenchmarkProbesBurst(b *testing.B) {
	probeStores(b, func(b *testing.B, s storage.Store) { benchProbes(b, s, 0, 1) })
}

// probeStores runs fn on Postgres (when TOURNIQUET_TEST_DATABASE_URL is
// set) and on SQLite.
func probeStores(b *testing.B, fn func(b *testing.B, s storage.Store)) {
	if os.Getenv(storagetest.PostgresEnv) != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, storagetest.NewPostgres(b)) })
	}
	b.Run("sqlite", func(b *testing.B) { fn(b, storagetest.NewSQLite(b)) })
}

// benchProbes spreads the first due times over spread and runs until
// every probe was evaluated rounds times.
func benchProbes(b *testing.B, s storage.Store, spread time.Duration, rounds int) {
	ctx := context.Background()
	f := newFakeProm(b, token)
	f.setValue(0.001)
	p1 := promProbe(f.srv.URL)
	p1.Interval, p1.Lookback = benchInterval, -1
	p2 := p1
	p2.ID, p2.Name, p2.Query = "checkout-p99", "checkout latency p99", `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))`

	var (
		mu   sync.Mutex
		lags []time.Duration
	)
	quiet := slog.New(slog.DiscardHandler)
	svc, err := probe.New([]config.Probe{p1, p2}, probe.Options{Store: s, Clock: clock.Real{}, Logger: quiet,
		OnEvaluated: func(e probe.Evaluated) {
			mu.Lock()
			lags = append(lags, e.Committed.Sub(e.Due))
			mu.Unlock()
		}})
	if err != nil {
		b.Fatal(err)
	}
	engine := bottest.NewEngine(b, bot.Options{Store: s, Clock: clock.Real{}, Logger: quiet,
		Commands: append(bot.Commands(), svc.Commands()...), Hooks: []bot.Hook{svc}, Panels: []bot.Panel{svc}})

	start := time.Now().Add(2 * time.Second)
	n := 0
	for first := 0; first < benchIncidents; first += 250 {
		err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			for i := first; i < min(first+250, benchIncidents); i++ {
				inc, _, err := incident.Declare(time.Now(), alice, incident.Sev1, fmt.Sprintf("incident %d", i))
				if err != nil {
					return err
				}
				inc.Services = []string{"checkout"}
				if err := q.CreateIncident(ctx, inc); err != nil {
					return err
				}
				for _, id := range []string{p1.ID, p2.ID} {
					due := start.Add(time.Duration(n) * spread / (2 * benchIncidents))
					n++
					st := storage.ProbeState{IncidentID: inc.ID, ProbeID: id, Status: storage.ProbePending,
						StatusSince: time.Now(), NextDueAt: due, LeaseUntil: time.Now(), UpdatedAt: time.Now()}
					if err := q.EnsureProbeState(ctx, &st); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}

	want := rounds * 2 * benchIncidents
	for b.Loop() {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		cpu0, wall0 := cpuTime(), time.Now()
		go func() { defer close(done); _ = svc.Worker(engine).Run(runCtx) }()
		for {
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			got := len(lags)
			mu.Unlock()
			if got >= want {
				break
			}
		}
		cancel()
		<-done
		cpu, wall := cpuTime()-cpu0, time.Since(wall0)
		mu.Lock()
		ls := slices.Clone(lags)
		mu.Unlock()
		slices.Sort(ls)
		pct := func(p float64) time.Duration { return ls[min(len(ls)-1, int(float64(len(ls))*p))] }
		b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-lag-ms")
		b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-lag-ms")
		b.ReportMetric(float64(ls[len(ls)-1].Microseconds())/1000, "max-lag-ms")
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(ls)), "cpu-us/eval")
		b.ReportMetric(float64(len(ls))/wall.Seconds(), "evals/s")
		b.ReportMetric(float64(f.queries.Load()), "queries")
	}
}
