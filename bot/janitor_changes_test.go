package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// Changes are kept for changes.retention and then pruned by the sweep;
// younger ones stay.
func TestJanitorPrunesOldChanges(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		clk := clock.NewFake(now)
		for i, age := range []time.Duration{72 * time.Hour, 49 * time.Hour, 47 * time.Hour, time.Minute} {
			c := incident.Change{Service: "checkout", Kind: incident.ChangeDeploy, Version: "v" + string(rune('1'+i)),
				At: now.Add(-age), RecordedAt: now, Source: "api"}
			if _, err := s.RecordChange(ctx, &c); err != nil {
				t.Fatal(err)
			}
		}
		j := bot.NewJanitor(bot.JanitorOptions{Store: s, Clock: clk, KeepChanges: 48 * time.Hour, BatchSize: 1})
		if _, _, err := j.Sweep(ctx); err != nil {
			t.Fatalf("Sweep: %v", err)
		}
		left, err := s.ListChanges(ctx, storage.ChangeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 2 || left[0].Version != "v4" || left[1].Version != "v3" {
			t.Errorf("left after the sweep: %+v; want the changes 47h and 1m old", left)
		}
	})
}
