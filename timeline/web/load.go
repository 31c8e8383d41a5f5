package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline"
)

// ErrNoIncident is matched (errors.Is) by the error for an unknown key.
var ErrNoIncident = errors.New("no such incident")

// NotFoundError is an unknown incident; its text is "no incident INC-<n>".
type NotFoundError struct{ Key string }

// Error is "no incident INC-<n>".
func (e *NotFoundError) Error() string { return "no incident " + e.Key }

// Is makes errors.Is(err, ErrNoIncident) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNoIncident }

// Loader is what Load reads; a storage.Querier is one.
type Loader interface {
	GetIncident(ctx context.Context, id int64) (*incident.Incident, error)
	ListEvents(ctx context.Context, incidentID int64, afterSeq int64, limit int) ([]incident.Event, error)
}

// Load reads an incident by key ("INC-7" or "7") and all its events from
// the store and builds its export, telling the changes within
// changeWindow before impact started (0: timeline.DefaultChangeWindow).
// An unknown key gives an error wrapping ErrNoIncident whose text is "no
// incident INC-<n>".
func Load(ctx context.Context, q Loader, key string, now time.Time, changeWindow time.Duration) (timeline.Export, error) {
	return load(ctx, q, nil, key, now, changeWindow)
}

// load is Load with the events read through cache (nil: none).
func load(ctx context.Context, q Loader, cache *EventCache, key string, now time.Time, changeWindow time.Duration) (timeline.Export, error) {
	id, err := incident.ParseKey(key)
	if err != nil {
		return timeline.Export{}, err
	}
	inc, err := q.GetIncident(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return timeline.Export{}, &NotFoundError{Key: incident.KeyFor(id)}
	}
	if err != nil {
		return timeline.Export{}, fmt.Errorf("load %s: %w", incident.KeyFor(id), err)
	}
	events, err := cache.Events(ctx, q, inc.ID)
	if err != nil {
		return timeline.Export{}, fmt.Errorf("load events of %s: %w", inc.Key, err)
	}
	x := timeline.Build(inc, events, now)
	return withChanges(ctx, q, inc, x, now, changeWindow)
}
