package sqlite

import (
	"context"
	"time"
)

// PruneDedupe deletes keys expired at now and says how many.
func (q *querier) PruneDedupe(ctx context.Context, now time.Time) (int, error) {
	return q.execWrite(ctx, "prune dedupe keys", `DELETE FROM dedupe_keys WHERE expires_at <= ?`, encTime(now))
}

// PruneOutbox deletes up to limit messages delivered before the given time,
// oldest first, and says how many.
func (q *querier) PruneOutbox(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	return q.execWrite(ctx, "prune delivered outbox messages", `DELETE FROM outbox WHERE id IN (
		SELECT id FROM outbox WHERE status = 'delivered' AND delivered_at < ? ORDER BY id LIMIT ?)`,
		encTime(before), limit)
}
