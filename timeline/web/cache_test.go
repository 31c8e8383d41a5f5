package web

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/incident"
)

// countingLister is a timeline of n events that counts what it is asked.
type countingLister struct {
	evs   []incident.Event
	calls [][2]int64 // afterSeq, limit
}

func (l *countingLister) ListEvents(_ context.Context, _ int64, afterSeq int64, limit int) ([]incident.Event, error) {
	l.calls = append(l.calls, [2]int64{afterSeq, int64(limit)})
	out := l.evs[afterSeq:]
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// The cache's Lister (what the postmortem worker reads with) reads whole
// timelines through the cache, so that the page a draft links to opens
// warm, and any other read straight from the store.
func TestEventCacheLister(t *testing.T) {
	ctx := context.Background()
	store := &countingLister{}
	for i := range 1200 {
		store.evs = append(store.evs, incident.Event{Seq: int64(i + 1), Kind: incident.KindNote})
	}
	c := NewEventCache(5000, 1000)
	l := c.Lister(store)
	if evs, err := l.ListEvents(ctx, 7, 0, 0); err != nil || len(evs) != 1200 {
		t.Fatalf("whole timeline: %d, %v", len(evs), err)
	}
	if evs, err := c.Events(ctx, store, 7); err != nil || len(evs) != 1200 {
		t.Fatalf("the pages' read: %d, %v", len(evs), err)
	}
	if got := store.calls[len(store.calls)-1]; got != [2]int64{1200, 0} {
		t.Errorf("the pages asked the store for %v, want only what came after the 1,200 the worker read", got)
	}
	if evs, err := l.ListEvents(ctx, 7, 10, 5); err != nil || len(evs) != 5 || evs[0].Seq != 11 {
		t.Fatalf("a partial read: %d, %v", len(evs), err)
	}
	if got := store.calls[len(store.calls)-1]; got != [2]int64{10, 5} {
		t.Errorf("a partial read went to the store as %v, want [10 5]", got)
	}
}
