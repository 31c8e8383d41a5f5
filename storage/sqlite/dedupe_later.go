package sqlite

import (
	"context"
	"time"
)

// ClaimDedupeLater is ClaimDedupe, run now: SQLite has no round trips to
// save.
func (q *querier) ClaimDedupeLater(ctx context.Context, key string, now, expiresAt time.Time) func() error {
	err := q.ClaimDedupe(ctx, key, now, expiresAt)
	return func() error { return err }
}
