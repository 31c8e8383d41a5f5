package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/postgres"
	"github.com/tourniquet/tourniquet/storage/sqlite"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline/timelinetest"
)

// Benchmarks of the report pages and the export at scale. Each reports
// its p50 and p99 per request besides ns/op:
//
//	go test ./timeline/web -run '^$' -bench . -benchtime 200x
//
// With TOURNIQUET_TEST_DATABASE_URL set they also run on Postgres.

// opener opens another handle on the benchmark's database, as a restarted
// server would: its own connections, no statement or page cache of the
// first handle's. The caller closes it.
type opener func(b *testing.B) storage.Store

func benchStores(b *testing.B, fn func(b *testing.B, s storage.Store, reopen opener)) {
	b.Run("sqlite", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "bench.db")
		benchStore(b, func(ctx context.Context) (storage.Store, error) { return sqlite.Open(ctx, path) }, fn)
	})
	b.Run("postgres", func(b *testing.B) {
		u := storagetest.PostgresURL(b)
		benchStore(b, func(ctx context.Context) (storage.Store, error) { return postgres.Open(ctx, u) }, fn)
	})
}

// benchStore runs fn on a migrated store opened by openDB, which also
// opens fn's further handles.
func benchStore(b *testing.B, openDB func(ctx context.Context) (storage.Store, error), fn func(b *testing.B, s storage.Store, reopen opener)) {
	open := func(b *testing.B) storage.Store {
		ctx := context.Background()
		s, err := openDB(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			_ = s.Close()
			b.Fatal(err)
		}
		return s
	}
	s := open(b)
	b.Cleanup(func() { _ = s.Close() })
	fn(b, s, open)
}

// bigIncident stores a six-hour sev1 with n events: check-ins and their
// answers, notes, status updates, action runs, a regression, and returns
// its key.
func bigIncident(b testing.TB, s storage.Store, n int) string {
	b.Helper()
	ctx := context.Background()
	start := timelinetest.HM(8, 0)
	inc, first, _ := incident.Declare(start, timelinetest.Alice, incident.Sev1, "Payments API returning 502s")
	inc.SetServices(start, timelinetest.Alice, []string{"payments", "api"})
	step := 6 * time.Hour / time.Duration(n)
	at := func(i int) time.Time { return start.Add(time.Duration(i) * step) }
	inc.Mitigate(at(n/4), timelinetest.Bob, "rolled back")
	inc.Regress(at(n/3), timelinetest.Carol, "502s again")
	inc.Diagnose(at(n/2), timelinetest.Bob, "connection pool exhausted by a retry storm")
	inc.Mitigate(at(2*n/3), timelinetest.Bob, "pool size raised")
	inc.Resolve(at(n-1), timelinetest.Alice, "retries now back off")
	if err := s.CreateIncident(ctx, inc); err != nil {
		b.Fatal(err)
	}
	evs := []incident.Event{first.WithSource(incident.SourceTyped)}
	for i := 1; len(evs) < n; i++ {
		t := at(i)
		var ev incident.Event
		switch i % 10 {
		case 0:
			ev = incident.NewEvent(t, incident.KindCheckinSent, incident.System, "Is customer impact mitigated?", map[string]any{"checkin": i}).WithSource(incident.SourceCheckin)
		case 1:
			ev = incident.NewEvent(t, incident.KindCheckinAnswered, timelinetest.Bob, "no", map[string]any{"answer": "no"}).WithSource(incident.SourceButton)
		case 2, 5, 8:
			ev = incident.NewEvent(t, incident.KindNote, timelinetest.Carol, fmt.Sprintf("p99 latency %d ms on shard %d, error rate %d%%", 400+i%700, i%32, i%40), nil).WithSource(incident.SourceTyped)
		case 3:
			ev = incident.NewEvent(t, incident.KindStatusUpdate, timelinetest.Alice, "Payments degraded; card payments failing for some customers. Next update in 15 minutes.", nil).WithSource(incident.SourceTyped)
		case 4:
			ev = incident.NewEvent(t, incident.KindActionStarted, timelinetest.Bob, "Restart payments pods", map[string]any{"run_id": fmt.Sprint(i), "kind": "custom"}).WithSource(incident.SourceAction)
		case 6:
			ev = incident.NewEvent(t, incident.KindActionSucceeded, incident.System, "pods restarted", map[string]any{"run_id": fmt.Sprint(i - 2), "kind": "custom"}).WithSource(incident.SourceAction)
		default:
			ev = incident.NewEvent(t, incident.KindNote, timelinetest.Bob, "looking at the connection pool metrics in the payments dashboard", nil).WithSource(incident.SourceTyped)
		}
		evs = append(evs, ev)
	}
	for i := 0; i < len(evs); i += 1000 {
		if _, err := s.AppendEvents(ctx, inc.ID, evs[i:min(i+1000, len(evs))]...); err != nil {
			b.Fatal(err)
		}
	}
	return inc.Key
}

// manyIncidents stores n incidents over two years.
func manyIncidents(b testing.TB, s storage.Store, n int) {
	b.Helper()
	ctx := context.Background()
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		for i := range n {
			at := timelinetest.Day.Add(-time.Duration(i) * 97 * time.Minute)
			inc, _, _ := incident.Declare(at, timelinetest.Alice, incident.Severities[i%4], fmt.Sprintf("Incident number %d", i))
			inc.SetServices(at, timelinetest.Alice, []string{[]string{"checkout", "search", "api", "payments"}[i%4]})
			inc.Mitigate(at.Add(time.Duration(3+i%40)*time.Minute), timelinetest.Bob, "")
			inc.Diagnose(at.Add(time.Duration(5+i%90)*time.Minute), timelinetest.Bob, "cause")
			inc.Resolve(at.Add(2*time.Hour), timelinetest.Alice, "")
			if err := q.CreateIncident(ctx, inc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// timed runs fn b.N times and reports the p50 and p99 of one call.
func timed(b *testing.B, fn func()) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		c0, t0 := cpuTime(), time.Now()
		fn()
		d = append(d, time.Since(t0))
		cpu += cpuTime() - c0
	}
	b.StopTimer()
	report(b, d, cpu)
}

// cpuTime is the CPU time this process has used, user and system: per
// request, a figure the other processes sharing the machine do not
// inflate as they do the wall-clock percentiles.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timedFirst reports the p50 and p99 of the first request after a start:
// each iteration opens a new store handle and a new Site (untimed) and
// times only the first request they serve, so no cache of this process
// (events, rendered pages, prepared statements, connections) is warm. The
// database's own caches and the OS page cache are, as after a restart of
// the bot alone.
func timedFirst(b *testing.B, reopen opener, path string) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := reopen(b)
		h := benchHandler(b, s, 0)
		runtime.GC() // the previous iteration's garbage is not this request's
		b.StartTimer()
		c0, t0 := cpuTime(), time.Now()
		serve(b, h, path)
		d = append(d, time.Since(t0))
		cpu += cpuTime() - c0
		b.StopTimer()
		_ = s.Close()
	}
	report(b, d, cpu)
}

// report adds the p50 and p99 of d and the mean CPU time per request to
// b's results.
func report(b *testing.B, d []time.Duration, cpu time.Duration) {
	if len(d) > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(d)), "cpu-ms/op")
	}
	slices.Sort(d)
	q := func(p float64) float64 {
		i := min(int(p*float64(len(d))), len(d)-1)
		return float64(d[i].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

func benchHandler(b *testing.B, s storage.Store, cache int) http.Handler {
	web, err := New(Options{Store: s, Clock: clock.NewFake(timelinetest.HM(18, 0)), Access: secured(), CacheEvents: cache})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	web.Register(mux)
	return mux
}

// countingWriter is a ResponseWriter that keeps only the status and the
// byte count: a server writes the body to a socket, so collecting
// megabytes in a growing buffer (httptest.ResponseRecorder) would add a
// cost no real request has.
type countingWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.h }

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

func serve(b *testing.B, h http.Handler, path string) int {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	rw := &countingWriter{h: http.Header{}}
	h.ServeHTTP(rw, req)
	if rw.status != http.StatusOK {
		b.Fatalf("%s: %d", path, rw.status)
	}
	return rw.n
}

// caches are the two ways of reading events: every event from the store
// each time (cold), or only the new ones (warm, the default).
var caches = []struct {
	name string
	size int
}{{"cold", -1}, {"warm", 0}}

// benchPage benches path on an incident of 10,000 events: cold (no cache
// of events or pages: everything read and rendered each time), warm (the
// defaults, the same request again), and first (the first request after a
// start, timedFirst).
func benchPage(b *testing.B, path func(key string) string) {
	benchStores(b, func(b *testing.B, s storage.Store, reopen opener) {
		p := path(bigIncident(b, s, 10000))
		for _, c := range caches {
			b.Run(c.name, func(b *testing.B) {
				h := benchHandler(b, s, c.size)
				b.SetBytes(int64(serve(b, h, p)))
				timed(b, func() { serve(b, h, p) })
			})
		}
		b.Run("first", func(b *testing.B) { timedFirst(b, reopen, p) })
	})
}

// BenchmarkIncidentPage10kEvents serves /incidents/{key} of an incident
// with 10,000 events: load, analysis, chart and every event listed.
func BenchmarkIncidentPage10kEvents(b *testing.B) {
	benchPage(b, func(key string) string { return "/incidents/" + key })
}

// BenchmarkExportJSON10kEvents is the JSON export of an incident with
// 10,000 events, as /api/v1/incidents/{key}/timeline serves it.
func BenchmarkExportJSON10kEvents(b *testing.B) {
	benchPage(b, func(key string) string { return "/api/v1/incidents/" + key + "/timeline" })
}

// BenchmarkExportMarkdown10kEvents is the Markdown report of an incident
// with 10,000 events, /incidents/{key}/report.md.
func BenchmarkExportMarkdown10kEvents(b *testing.B) {
	benchPage(b, func(key string) string { return "/incidents/" + key + "/report.md" })
}

// BenchmarkIncidentList10kIncidents serves /incidents over 10,000
// incidents, alternating the first page, a page in the middle and the
// last page.
func BenchmarkIncidentList10kIncidents(b *testing.B) {
	benchStores(b, func(b *testing.B, s storage.Store, _ opener) {
		manyIncidents(b, s, 10000)
		h := benchHandler(b, s, 0)
		pages := []string{"/incidents", "/incidents?page=100", "/incidents?page=200", "/incidents?severity=sev1&page=20"}
		i := 0
		timed(b, func() {
			serve(b, h, pages[i%len(pages)])
			i++
		})
	})
}

// BenchmarkReports10kIncidents serves /reports over 10,000 incidents: the
// last 24 months, every incident read and grouped by month and severity.
func BenchmarkReports10kIncidents(b *testing.B) {
	benchStores(b, func(b *testing.B, s storage.Store, _ opener) {
		manyIncidents(b, s, 10000)
		h := benchHandler(b, s, 0)
		timed(b, func() { serve(b, h, "/reports?from=2024-04&to=2026-03") })
	})
}
