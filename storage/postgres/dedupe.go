package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// ClaimDedupe records key until expiresAt, or returns ErrConflict when it
// is recorded and not expired at now. An expired key is claimed anew.
// Concurrent claims of one key wait for each other: exactly one wins.
func (q querier) ClaimDedupe(ctx context.Context, key string, now, expiresAt time.Time) error {
	var k string
	err := q.db.QueryRow(ctx, `INSERT INTO dedupe_keys (key, expires_at) VALUES ($1, $3)
		ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at
		WHERE dedupe_keys.expires_at <= $2
		RETURNING key`, key, now, expiresAt).Scan(&k)
	if isNoRows(err) {
		return fmt.Errorf("dedupe key %s: seen before: %w", key, storage.ErrConflict)
	}
	return mapErr("dedupe key "+key, err)
}

// PruneDedupe deletes keys expired at now and says how many.
func (q querier) PruneDedupe(ctx context.Context, now time.Time) (int, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM dedupe_keys WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, mapErr("prune dedupe keys", err)
	}
	return int(tag.RowsAffected()), nil
}
