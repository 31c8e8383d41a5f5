package checkin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestDigestLeavesDrillsOutAndAddsLines: a drill is not in the digest,
// and the lines a feature adds (readiness's) come under the incidents.
func TestDigestLeavesDrillsOutAndAddsLines(t *testing.T) {
	s := storagetest.NewSQLite(t)
	cfg := defaults()
	cfg.Digest = config.Digest{Schedule: "0 9 * * MON", Channel: "slack:CDIGEST"}
	lines := func(context.Context, storage.Querier, time.Time) ([]bot.Block, error) {
		return []bot.Block{{Kind: bot.BlockText, Text: bot.Plain("🛡 Readiness: checkout 40")}}, nil
	}
	h := newHarness(t, s, cfg, checkin.Options{DigestLines: lines}, bot.Options{})
	h.sweep()
	h.declare(alice, "/incident declare sev1 Checkout errors")
	drill, _ := h.declare(bob, "/incident declare sev3 DRILL: search rehearsal")
	if err := s.CreateDrill(context.Background(), storage.Drill{IncidentID: drill.ID, Service: "search", StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	h.sweep()
	posts := digestPosts(h)
	if len(posts) != 1 {
		t.Fatalf("%d digests", len(posts))
	}
	text := render(posts[0].Message)
	if !strings.Contains(text, "Checkout errors") || strings.Contains(text, "DRILL") {
		t.Errorf("digest:\n%s", text)
	}
	if !strings.Contains(text, "🛡 Readiness: checkout 40") {
		t.Errorf("the added line is missing:\n%s", text)
	}
}
