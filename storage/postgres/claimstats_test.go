package postgres_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/postgres"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// An outbox analyzed while quiet and then filled by an incident storm
// keeps planner statistics that say it is empty, and the claim's plan
// degrades with the backlog. A slow claim makes the store refresh them
// (once a minute at most), so the planner sees the backlog.
func TestSlowClaimRefreshesOutboxStatistics(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	// Every claim counts as slow here; what is tested is the reaction.
	s, err := postgres.Open(t.Context(), u, postgres.WithSlowClaim(time.Nanosecond),
		postgres.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := rawConn(t, u)
	// Quiet when analyzed; autovacuum kept out of the way.
	if _, err := c.Exec(ctx, `ALTER TABLE outbox SET (autovacuum_enabled = false)`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `ANALYZE outbox`); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var storm []storage.OutboxMessage
	for i := range 2000 {
		storm = append(storm, msg(fmt.Sprintf("C%d", i%200), i, now))
	}
	if err := s.EnqueueOutbox(ctx, storm...); err != nil {
		t.Fatal(err)
	}
	tuples := func() float64 {
		var n float64
		if err := c.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'outbox'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := tuples(); n > 100 {
		t.Fatalf("the planner already knows of %v rows before any claim; the test needs stale statistics", n)
	}
	got, err := s.ClaimOutbox(ctx, now, time.Minute, 50)
	if err != nil || len(got) != 50 {
		t.Fatalf("claim = %d messages, %v; want 50 (one per channel)", len(got), err)
	}
	for deadline := time.Now().Add(10 * time.Second); tuples() < 1000; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after a slow claim the planner still thinks the outbox holds %v rows; want the 2000 pending", tuples())
		}
	}
	// Within the minute, another slow claim does not analyze again.
	if err := s.EnqueueOutbox(ctx, storm...); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimOutbox(ctx, now, time.Minute, 50); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // waits for a refresh in flight
		t.Fatal(err)
	}
	if n := tuples(); n > 2500 {
		t.Errorf("a second slow claim within a minute analyzed again (planner sees %v rows)", n)
	}
}
