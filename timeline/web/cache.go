package web

import (
	"context"
	"sync"

	"github.com/tourniquet/tourniquet/incident"
)

// EventLister is what the cache reads events with; a storage.Querier is one.
type EventLister interface {
	ListEvents(ctx context.Context, incidentID int64, afterSeq int64, limit int) ([]incident.Event, error)
}

// DefaultCacheMinEvents is the smallest timeline worth keeping: smaller
// ones are cheap to read whole.
const DefaultCacheMinEvents = 1000

// EventCache keeps the timelines of recently read large incidents, so that
// reading one again asks the database only for the events appended since.
// Events are append-only and numbered 1, 2, 3… without gaps in commit order
// (storage.EventStore), so the kept prefix plus the new tail is the whole
// timeline. The database is asked on every read; the cache is never the
// only copy of anything and replicas need not share it. It is safe for
// concurrent use.
type EventCache struct {
	mu      sync.Mutex
	max     int
	min     int
	total   int
	clock   uint64
	entries map[int64]*cacheEntry
}

type cacheEntry struct {
	evs  []incident.Event
	used uint64
}

// NewEventCache keeps at most maxEvents events in all, of timelines of at
// least minEvents events (smaller ones are cheap to read whole).
func NewEventCache(maxEvents, minEvents int) *EventCache {
	return &EventCache{max: maxEvents, min: minEvents, entries: map[int64]*cacheEntry{}}
}

// Events returns every event of an incident in Seq order. The slice is
// shared: callers must not modify it or its events' data.
func (c *EventCache) Events(ctx context.Context, q EventLister, incidentID int64) ([]incident.Event, error) {
	if c == nil {
		return q.ListEvents(ctx, incidentID, 0, 0)
	}
	c.mu.Lock()
	var have []incident.Event
	if e := c.entries[incidentID]; e != nil {
		have = e.evs
		c.clock++
		e.used = c.clock
	}
	c.mu.Unlock()
	var after int64
	if n := len(have); n > 0 {
		after = have[n-1].Seq
		if after != int64(n) { // not 1…n: not a timeline to build on
			have, after = nil, 0
		}
	}
	tail, err := q.ListEvents(ctx, incidentID, after, 0)
	if err != nil {
		return nil, err
	}
	if len(tail) > 0 && tail[0].Seq != after+1 {
		// Not the continuation of what is kept (a store restored from a
		// backup, say): read it all again.
		have = nil
		if tail, err = q.ListEvents(ctx, incidentID, 0, 0); err != nil {
			return nil, err
		}
	}
	if len(tail) == 0 {
		return have, nil
	}
	all := append(have[:len(have):len(have)], tail...) // a new array: readers of have are undisturbed
	if len(all) >= c.min && len(all) <= c.max {
		c.put(incidentID, all)
	}
	return all, nil
}

func (c *EventCache) put(id int64, evs []incident.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[id]; old != nil {
		c.total -= len(old.evs)
	}
	c.clock++
	c.entries[id] = &cacheEntry{evs: evs, used: c.clock}
	c.total += len(evs)
	for c.total > c.max {
		var victim int64
		oldest := ^uint64(0)
		for k, e := range c.entries {
			if e.used < oldest {
				victim, oldest = k, e.used
			}
		}
		c.total -= len(c.entries[victim].evs)
		delete(c.entries, victim)
	}
}

// Lister is q read through the cache: a whole timeline (from the start,
// no limit) comes from Events, any other read straight from q. It is what
// the postmortem worker reads with, so that the pages find warm what a
// draft links to.
func (c *EventCache) Lister(q EventLister) EventLister { return cachedLister{c: c, q: q} }

type cachedLister struct {
	c *EventCache
	q EventLister
}

// ListEvents implements EventLister.
func (l cachedLister) ListEvents(ctx context.Context, incidentID int64, afterSeq int64, limit int) ([]incident.Event, error) {
	if afterSeq == 0 && limit == 0 {
		return l.c.Events(ctx, l.q, incidentID)
	}
	return l.q.ListEvents(ctx, incidentID, afterSeq, limit)
}
