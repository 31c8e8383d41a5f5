package storagetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

func testEvents(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("events", base))
	other := mustCreate(t, s, newIncident("other", base))

	data := map[string]any{
		"from": "sev2", "to": "sev1", "n": 3.5, "ok": true, "none": nil,
		"list":   []any{"a", "b", 2.0},
		"nested": map[string]any{"k": "v", "deep": map[string]any{"x": false}},
	}
	in := []incident.Event{
		incident.NewEvent(at(time.Second), incident.KindDeclared, alice, "Checkout is down", nil).WithSource(incident.SourceTyped),
		incident.NewEvent(at(2*time.Second+1*time.Microsecond), incident.KindSeverityChanged, bob, "sev2 → sev1", data).WithSource(incident.SourceButton),
	}
	out, err := s.AppendEvents(ctx, inc.ID, in...)
	if err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	if len(out) != 2 {
		t.Fatalf("AppendEvents returned %d events, want 2", len(out))
	}
	for i, ev := range out {
		if ev.ID <= 0 || ev.IncidentID != inc.ID || ev.Seq != int64(i+1) {
			t.Errorf("returned event %d: ID %d IncidentID %d Seq %d; want ID > 0, %d, %d", i, ev.ID, ev.IncidentID, ev.Seq, inc.ID, i+1)
		}
	}
	if out[0].ID == out[1].ID {
		t.Errorf("two events got the same ID %d", out[0].ID)
	}
	// A later append continues the sequence, and other incidents have their own.
	more, err := s.AppendEvents(ctx, inc.ID,
		incident.NewEvent(at(3*time.Second), incident.KindNote, carol, "note 1", map[string]any{"i": 1.0}).WithSource(incident.SourceTyped),
		incident.NewEvent(at(3*time.Second), incident.KindNote, carol, "note 2", nil).WithSource(incident.SourceTyped),
		incident.NewEvent(at(4*time.Second), incident.KindCheckinSent, incident.System, "", nil).WithSource(incident.SourceCheckin),
	)
	if err != nil {
		t.Fatalf("second AppendEvents: %v", err)
	}
	if len(more) != 3 || more[0].Seq != 3 || more[2].Seq != 5 {
		t.Fatalf("second AppendEvents seqs: %+v, want 3..5", more)
	}
	oth, err := s.AppendEvents(ctx, other.ID, incident.NewEvent(at(time.Second), incident.KindDeclared, alice, "other", nil))
	if err != nil || len(oth) != 1 || oth[0].Seq != 1 {
		t.Fatalf("AppendEvents to another incident = %+v, %v; want Seq 1", oth, err)
	}

	all, err := s.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	if len(all) != 5 {
		t.Fatalf("ListEvents returned %d events, want 5", len(all))
	}
	for i, ev := range all {
		if ev.Seq != int64(i+1) || ev.IncidentID != inc.ID {
			t.Errorf("event %d: Seq %d IncidentID %d, want %d %d", i, ev.Seq, ev.IncidentID, i+1, inc.ID)
		}
	}
	// Round trip of every field.
	want := append(append([]incident.Event{}, in...), more[0], more[1], more[2])
	for i := range want {
		w, g := want[i], all[i]
		if !w.At.Equal(g.At) || w.Kind != g.Kind || w.Actor != g.Actor || w.Text != g.Text || w.Source != g.Source {
			t.Errorf("event %d: got %+v, want %+v", i+1, g, w)
		}
		if len(w.Data) == 0 {
			if len(g.Data) != 0 {
				t.Errorf("event %d: Data = %v, want empty", i+1, g.Data)
			}
		} else if !reflect.DeepEqual(w.Data, g.Data) {
			t.Errorf("event %d: Data = %#v, want %#v", i+1, g.Data, w.Data)
		}
		if i < 2 && out[i].ID != g.ID {
			t.Errorf("event %d: listed ID %d, appended ID %d", i+1, g.ID, out[i].ID)
		}
	}

	// Paging by afterSeq and limit.
	page, err := s.ListEvents(ctx, inc.ID, 2, 2)
	if err != nil {
		t.Fatalf("ListEvents(after 2, limit 2): %v", err)
	}
	if len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 4 {
		t.Errorf("ListEvents(after 2, limit 2) seqs = %v, want [3 4]", seqs(page))
	}
	page, err = s.ListEvents(ctx, inc.ID, 4, 10)
	if err != nil || len(page) != 1 || page[0].Seq != 5 {
		t.Errorf("ListEvents(after 4, limit 10) = %v, %v; want [5]", seqs(page), err)
	}
	page, err = s.ListEvents(ctx, inc.ID, 5, 0)
	if err != nil || len(page) != 0 {
		t.Errorf("ListEvents(after 5) = %v, %v; want none", seqs(page), err)
	}
	page, err = s.ListEvents(ctx, other.ID, 0, 0)
	if err != nil || len(page) != 1 || page[0].Text != "other" {
		t.Errorf("ListEvents(other) = %+v, %v; want its one event", page, err)
	}
}

// seqs are the Seq of evs, in order.
func seqs(evs []incident.Event) []int64 {
	return each(evs, func(e incident.Event) int64 { return e.Seq })
}

func testEventsConcurrent(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("busy", base))
	const workers, each = 2, 50
	concurrentUnits(t, s, workers, each, "append", func(ctx context.Context, q storage.Querier, w, i int) error {
		// Read-modify-write in the same transaction, as the bot does.
		if _, err := q.GetIncidentForUpdate(ctx, inc.ID); err != nil {
			return err
		}
		ev := incident.NewEvent(at(time.Duration(i)*time.Second), incident.KindNote, alice,
			fmt.Sprintf("w%d-%02d", w, i), map[string]any{"w": float64(w), "i": float64(i)})
		_, err := q.AppendEvents(ctx, inc.ID, ev)
		return err
	})
	evs, err := s.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	if len(evs) != workers*each {
		t.Fatalf("got %d events, want %d", len(evs), workers*each)
	}
	seen := map[string]bool{}
	last := map[float64]float64{0: -1, 1: -1}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has Seq %d: seqs have a gap or a duplicate", i+1, ev.Seq)
		}
		if seen[ev.Text] {
			t.Errorf("event %q stored twice", ev.Text)
		}
		seen[ev.Text] = true
		// Each worker's appends were sequential, so their seqs increase.
		w, _ := ev.Data["w"].(float64)
		n, _ := ev.Data["i"].(float64)
		if n <= last[w] {
			t.Errorf("worker %v: append %v has Seq %d after append %v", w, n, ev.Seq, last[w])
		}
		last[w] = n
	}
}
