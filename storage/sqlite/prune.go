package sqlite

import (
	"context"
	"fmt"
	"time"
)

// PruneDedupe deletes keys expired at now and says how many.
func (q *querier) PruneDedupe(ctx context.Context, now time.Time) (int, error) {
	return q.deleteRows(ctx, "prune dedupe keys", `DELETE FROM dedupe_keys WHERE expires_at <= ?`, encTime(now))
}

// PruneOutbox deletes up to limit messages delivered before the given time,
// oldest first, and says how many.
func (q *querier) PruneOutbox(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	return q.deleteRows(ctx, "prune delivered outbox messages", `DELETE FROM outbox WHERE id IN (
		SELECT id FROM outbox WHERE status = 'delivered' AND delivered_at < ? ORDER BY id LIMIT ?)`,
		encTime(before), limit)
}

// deleteRows runs a delete in a write transaction and says how many rows
// went.
func (q *querier) deleteRows(ctx context.Context, what, query string, args ...any) (int, error) {
	var n int64
	err := q.writeDB(ctx, func(db dbtx) error {
		var err error
		n, err = exec(ctx, db, query, args...)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return int(n), nil
}
