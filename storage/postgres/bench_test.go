package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage/postgres"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// BenchmarkNoteUnitOfWork runs a note's unit of work (noteUnitOfWork)
// over and over on one connection and reports the CPU it costs, on this
// side and, when Postgres runs on this machine, in its backend: CPU, not
// time, so that a busy machine says less about it. One at a time, so
// that no batching (as the sender does under a backlog) blurs the cost of
// one command.
//
//	TOURNIQUET_TEST_DATABASE_URL=… go test -run '^$' -bench NoteUnitOfWork -benchtime 3000x ./storage/postgres
func BenchmarkNoteUnitOfWork(b *testing.B) {
	u := storagetest.PostgresURL(b)
	app := fmt.Sprintf("tqbench_%d", time.Now().UnixNano())
	s, err := postgres.Open(b.Context(), u+"&pool_max_conns=1&application_name="+app)
	if err != nil {
		b.Fatalf("open: %v", err)
	}
	defer s.Close()
	ctx := b.Context()
	if err := s.Migrate(ctx); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	inc, _, err := incident.Declare(time.Now(), alice, incident.Sev2, "bench")
	if err != nil {
		b.Fatal(err)
	}
	if err := s.CreateIncident(ctx, inc); err != nil {
		b.Fatal(err)
	}
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "CBENCH"}
	if err := s.AddIncidentChannel(ctx, inc.ID, ch); err != nil {
		b.Fatal(err)
	}
	if err := noteUnitOfWork(ctx, s, ch, "warm-up"); err != nil {
		b.Fatal(err)
	}
	backend := backendCPU(b, u, app)
	goStart, pgStart := processCPU(), backend()
	b.ResetTimer()
	for i := range b.N {
		if err := noteUnitOfWork(ctx, s, ch, strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	goCPU, pgCPU := processCPU()-goStart, backend()-pgStart
	b.ReportMetric(float64(goCPU.Microseconds())/float64(b.N), "go-cpu-µs/op")
	if pgCPU >= 0 {
		b.ReportMetric(float64(pgCPU.Microseconds())/float64(b.N), "pg-cpu-µs/op")
	}
}

// processCPU is this process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendCPU returns a function that reads the CPU time so far of the
// backend serving application app, from /proc: -1 when Postgres does not
// run on this machine (or is not readable).
func backendCPU(b *testing.B, u, app string) func() time.Duration {
	var pid int
	conn, err := pgx.Connect(b.Context(), u)
	if err == nil {
		err = conn.QueryRow(b.Context(), `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&pid)
		_ = conn.Close(context.Background())
	}
	if err != nil {
		b.Logf("backend of %s: %v", app, err)
		return func() time.Duration { return -1 }
	}
	return func() time.Duration {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return -1
		}
		// After the command name in parentheses: utime and stime are
		// fields 14 and 15, in clock ticks (100 a second on Linux).
		f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		return time.Duration(ut+st) * 10 * time.Millisecond
	}
}
