package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// ClaimDedupe records key until expiresAt; ErrConflict when key is recorded
// and has not expired at now. An expired record is taken over.
func (q *querier) ClaimDedupe(ctx context.Context, key string, now, expiresAt time.Time) error {
	err := q.write(ctx, func(w *querier) error {
		n, err := exec(ctx, w.tx, `INSERT INTO dedupe_keys (key, expires_at) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
			WHERE dedupe_keys.expires_at <= ?`,
			key, encTime(expiresAt), encTime(now))
		if err != nil {
			return err
		}
		if n == 0 {
			return storage.ErrConflict
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("claim dedupe key %q: %w", key, err)
	}
	return nil
}

// PruneDedupe deletes keys expired at now and says how many.
func (q *querier) PruneDedupe(ctx context.Context, now time.Time) (int, error) {
	return q.execWrite(ctx, "prune dedupe keys", `DELETE FROM dedupe_keys WHERE expires_at <= ?`, encTime(now))
}
