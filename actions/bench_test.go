package actions_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/postgres"
	"github.com/tourniquet/tourniquet/storage/sqlite"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func benchStores(b *testing.B, fn func(b *testing.B, s storage.Store)) {
	ctx := context.Background()
	b.Run("sqlite", func(b *testing.B) {
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		fn(b, s)
	})
	b.Run("postgres", func(b *testing.B) {
		url := storagetest.PostgresURL(b)
		s, err := postgres.Open(ctx, url, postgres.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		fn(b, s)
	})
}

// benchHarness declares INC-1 and runs the rollback once, so that every
// iteration can "Run again".
func benchHarness(b *testing.B, s storage.Store) *harness {
	h := newReplica(b, s, clock.NewFake(t0), testActions(), testIntegrations, nil)
	if r := h.typed(alice, "declare here sev1 Checkout errors"); r.Error {
		b.Fatal(replyText(r))
	}
	h.typed(alice, "services checkout")
	h.click(alice, "run rollback-checkout")
	h.step()
	return h
}

// BenchmarkClickAck is the acknowledged part of a click, what a chat
// platform waits for: authorization, the claim (a unique insert), the
// timeline event, the audit row and the progress message, in one
// transaction. The external call is not in it.
func BenchmarkClickAck(b *testing.B) {
	benchStores(b, func(b *testing.B, s storage.Store) {
		h := benchHarness(b, s)
		ctx := context.Background()
		inc := h.incident()
		for b.Loop() {
			b.StopTimer()
			last, err := s.LatestActionRun(ctx, inc.ID, "rollback-checkout")
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if r := h.click(alice, "confirm "+last.ID); r.Error {
				b.Fatal(replyText(r))
			}
			b.StopTimer()
			h.step()
			b.StartTimer()
		}
	})
}

// BenchmarkRunLifecycle is a whole run: the click's transaction, the
// claim (marked running, committed), the call (a fake that answers at
// once) and the outcome's transaction.
func BenchmarkRunLifecycle(b *testing.B) {
	benchStores(b, func(b *testing.B, s storage.Store) {
		h := benchHarness(b, s)
		ctx := context.Background()
		inc := h.incident()
		for b.Loop() {
			last, err := s.LatestActionRun(ctx, inc.ID, "rollback-checkout")
			if err != nil {
				b.Fatal(err)
			}
			h.click(alice, "confirm "+last.ID)
			if h.step() != 1 {
				b.Fatal("no run")
			}
		}
	})
}
