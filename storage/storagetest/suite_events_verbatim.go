package storagetest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// testEventsVerbatim: every text field of an event reads back exactly as
// written, whatever it holds (a store may pack fields together to read
// long timelines faster: SQLite does).
func testEventsVerbatim(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("verbatim", base))
	texts := []string{"", ":", "12:34", "5:abc", "0:", "a:b:c", "é😀 ünïcode", "tab\tnew\nline", "<b>&amp;</b>", `"quoted" \back`,
		strings.Repeat("long text ", 2000)}
	var in []incident.Event
	for i, text := range texts {
		who := incident.Actor{Platform: texts[(i+1)%len(texts)], ID: texts[(i+2)%len(texts)], Name: texts[(i+3)%len(texts)]}
		in = append(in, incident.Event{At: at(time.Duration(i) * time.Second), Kind: incident.Kind(texts[(i+4)%len(texts)]), Actor: who,
			Text: text, Source: incident.Source(texts[(i+5)%len(texts)]), Data: map[string]any{"t": text, "n": float64(i)}})
	}
	if _, err := s.AppendEvents(ctx, inc.ID, in...); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	for _, after := range []int64{0, 3} {
		got, err := s.ListEvents(ctx, inc.ID, after, 0)
		if err != nil {
			t.Fatalf("ListEvents after %d: %v", after, err)
		}
		if len(got) != len(in)-int(after) {
			t.Fatalf("ListEvents after %d: %d events, want %d", after, len(got), len(in)-int(after))
		}
		for i, ev := range got {
			want := in[int(after)+i]
			if ev.Seq != after+int64(i)+1 || ev.IncidentID != inc.ID || !ev.At.Equal(want.At) || ev.Kind != want.Kind ||
				ev.Actor != want.Actor || ev.Text != want.Text || ev.Source != want.Source || !reflect.DeepEqual(ev.Data, want.Data) {
				t.Errorf("event %d read back as %+v, want %+v", ev.Seq, ev, want)
			}
		}
	}
}
