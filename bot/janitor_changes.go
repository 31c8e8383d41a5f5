package bot

import (
	"context"
	"fmt"
	"time"
)

// pruneChanges deletes the changes shipped longer ago than KeepChanges, in
// batches. A change an action undid lives on in its run's link (a copy),
// so the report keeps its story.
func (j *Janitor) pruneChanges(ctx context.Context, now time.Time) error {
	before := now.Add(-j.o.KeepChanges)
	total := 0
	for {
		n, err := j.o.Store.PruneChanges(ctx, before, j.o.BatchSize)
		total += n
		if err != nil {
			return fmt.Errorf("prune changes: %w", err)
		}
		if n < j.o.BatchSize {
			if total > 0 {
				j.o.Logger.DebugContext(ctx, "janitor pruned changes", "deleted", total)
			}
			return nil
		}
	}
}
