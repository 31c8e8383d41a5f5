package discord_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/bot/discord/discordtest"
	sqlitestore "github.com/tourniquet/tourniquet/storage/sqlite"
)

// BenchmarkRenderCard measures rendering the incident card to embeds and
// components.
func BenchmarkRenderCard(b *testing.B) {
	card := bot.IncidentCard(sampleIncident(b), t0, sampleActions)
	b.ReportAllocs()
	for b.Loop() {
		_ = discord.Render(card)
	}
}

// BenchmarkInteractionOverHTTP measures one signed interaction through the
// HTTP endpoint — size cap, Ed25519 verification, parsing, the engine's
// transaction on SQLite (dedupe claim, event, outbox) and the answer — the
// path that must finish within Discord's 3 seconds.
func BenchmarkInteractionOverHTTP(b *testing.B) {
	s, err := sqlitestore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	e := newEnv(b, s, nil)
	e.signed(e.command(lobby, alice, "declare", discordtest.Str("title", "Checkout errors"), discordtest.Bool("here", true)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		body := e.command(lobby, alice, "note", discordtest.Str("text", fmt.Sprintf("note %d", n)))
		req := httptest.NewRequest(http.MethodPost, "/discord/interactions", bytes.NewReader(body))
		req.Header = e.key.Sign(body, e.clock.Now())
		w := httptest.NewRecorder()
		b.StartTimer()
		e.a.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
