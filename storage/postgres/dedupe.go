package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/tourniquet/tourniquet/storage"
)

// dedupeSQL claims key $1 until $3 unless it is recorded and not expired
// at $2.
const dedupeSQL = `INSERT INTO dedupe_keys (key, expires_at) VALUES ($1, $3)
	ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at
	WHERE dedupe_keys.expires_at <= $2`

// ClaimDedupe records key until expiresAt, or returns ErrConflict when it
// is recorded and not expired at now. An expired key is claimed anew.
// Concurrent claims of one key wait for each other: exactly one wins.
func (q querier) ClaimDedupe(ctx context.Context, key string, now, expiresAt time.Time) error {
	var k string
	err := q.db.QueryRow(ctx, dedupeSQL+` RETURNING key`, key, now, expiresAt).Scan(&k)
	if isNoRows(err) {
		return fmt.Errorf("dedupe key %s: seen before: %w", key, storage.ErrConflict)
	}
	return mapErr("dedupe key "+key, err)
}

// ClaimDedupeLater is ClaimDedupe sent, in a transaction, with its next
// statement (see pipeTx); the returned function sends it alone if no
// statement followed.
func (q querier) ClaimDedupeLater(ctx context.Context, key string, now, expiresAt time.Time) func() error {
	p, ok := q.db.(*pipeTx)
	if !ok {
		err := q.ClaimDedupe(ctx, key, now, expiresAt)
		return func() error { return err }
	}
	what := "dedupe key " + key
	var (
		done    bool
		claimed bool
	)
	// The upsert changes a row when the key is new or expired, none when
	// it was seen: that is not an error (the transaction goes on).
	p.later(what, dedupeSQL, []any{key, now, expiresAt}, func(tag pgconn.CommandTag) error {
		done, claimed = true, tag.RowsAffected() == 1
		return nil
	})
	return func() error {
		if !done {
			if _, err := p.send(ctx, "", nil); err != nil {
				return err
			}
		}
		if !done { // the transaction failed before the claim was read
			err := p.failed
			if err == nil {
				err = errors.New("the transaction failed")
			}
			return fmt.Errorf("%s: not claimed: %w", what, err)
		}
		if !claimed {
			return fmt.Errorf("dedupe key %s: seen before: %w", key, storage.ErrConflict)
		}
		return nil
	}
}

// PruneDedupe deletes keys expired at now and says how many.
func (q querier) PruneDedupe(ctx context.Context, now time.Time) (int, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM dedupe_keys WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, mapErr("prune dedupe keys", err)
	}
	return int(tag.RowsAffected()), nil
}
