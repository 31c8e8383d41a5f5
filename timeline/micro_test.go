package timeline

import (
	"context"
	"encoding/json"
	"testing"
	"path/filepath"
	"html/template"
	"github.com/tourniquet/tourniquet/storage/sqlite"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

func BenchmarkMicro(b *testing.B) {
	ctx := context.Background()
	s, _ := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	s.Migrate(ctx)
	key := bigIncident(b, s, 10000)
	x, _ := Load(ctx, s, key, hm(18, 0))
	inc, _ := s.GetIncidentByKey(ctx, key)
	b.Run("listevents", func(b *testing.B) { for b.Loop() { s.ListEvents(ctx, inc.ID, 0, 0) } })
	evs, _ := s.ListEvents(ctx, inc.ID, 0, 0)
	b.Run("build", func(b *testing.B) { for b.Loop() { Build(inc, evs, hm(18, 0)) } })
	b.Run("marshal", func(b *testing.B) { for b.Loop() { json.Marshal(x) } })
	b.Run("marshalindent", func(b *testing.B) { for b.Loop() { json.MarshalIndent(x, "", "  ") } })
	b.Run("v2", func(b *testing.B) { for b.Loop() { jsonv2.Marshal(x, jsonv2.Deterministic(true)) } })
	b.Run("v2indent", func(b *testing.B) { for b.Loop() { jsonv2.Marshal(x, jsonv2.Deterministic(true), jsontext.Multiline(true), jsontext.WithIndent("  ")) } })
	w, _ := NewWeb(WebOptions{Store: s})
	b.Run("view", func(b *testing.B) { for b.Loop() { w.incidentView(grant{all: true}, x, hm(18, 0)) } })
	v := w.incidentView(grant{all: true}, x, hm(18, 0))
	b.Run("chart", func(b *testing.B) { for b.Loop() { IncidentChart(x) } })
	var t *template.Template = w.pages["incident"]
	b.Run("exec", func(b *testing.B) { for b.Loop() { var sb discard; t.ExecuteTemplate(&sb, "layout", v) } })
}
type discard struct{}
func (discard) Write(p []byte) (int, error) { return len(p), nil }
