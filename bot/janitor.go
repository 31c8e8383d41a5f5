package bot

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// JanitorOptions configure a Janitor.
type JanitorOptions struct {
	Store  storage.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Every is the time between sweeps (default 10m).
	Every time.Duration
	// KeepDelivered is how long delivered outbox messages are kept, for
	// inspection (default 7 days). Pending and dead ones are never pruned.
	KeepDelivered time.Duration
	// KeepChanges is how long recorded changes are kept (default 30
	// days; config changes.retention).
	KeepChanges time.Duration
	// BatchSize bounds the rows one statement deletes, so a sweep after a
	// long downtime never holds a long transaction (default 1000).
	BatchSize int
}

// Janitor keeps the tables that only grow in bounds: it deletes expired
// inbound dedupe keys and outbox messages delivered longer ago than
// KeepDelivered. Every replica may run one; the deletes are idempotent.
type Janitor struct {
	o JanitorOptions
}

// NewJanitor returns a janitor with defaults filled in.
func NewJanitor(o JanitorOptions) *Janitor {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Every <= 0 {
		o.Every = 10 * time.Minute
	}
	if o.KeepDelivered <= 0 {
		o.KeepDelivered = 7 * 24 * time.Hour
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.KeepChanges <= 0 {
		o.KeepChanges = 30 * 24 * time.Hour
	}
	return &Janitor{o: o}
}

// Run sweeps at once, then every Every, until ctx is done. A failed sweep
// is logged and tried again at the next one.
func (j *Janitor) Run(ctx context.Context) error {
	tick := time.NewTicker(j.o.Every)
	defer tick.Stop()
	for {
		outbox, dedupe, err := j.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			j.o.Logger.WarnContext(ctx, "janitor sweep failed", "err", err)
		case outbox+dedupe > 0:
			j.o.Logger.DebugContext(ctx, "janitor sweep", "outbox_deleted", outbox, "dedupe_keys_deleted", dedupe)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Sweep prunes once and says how many outbox messages and dedupe keys it
// deleted.
func (j *Janitor) Sweep(ctx context.Context) (outbox, dedupe int, err error) {
	now := j.o.Clock.Now()
	dedupe, err = j.o.Store.PruneDedupe(ctx, now)
	if err != nil {
		return 0, 0, fmt.Errorf("prune dedupe keys: %w", err)
	}
	if err := j.pruneChanges(ctx, now); err != nil {
		return 0, dedupe, err
	}
	before := now.Add(-j.o.KeepDelivered)
	for {
		n, err := j.o.Store.PruneOutbox(ctx, before, j.o.BatchSize)
		outbox += n
		if err != nil {
			return outbox, dedupe, fmt.Errorf("prune outbox: %w", err)
		}
		if n < j.o.BatchSize {
			return outbox, dedupe, nil
		}
	}
}
