package sqlite

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/storage"
)

// PutMessageRef inserts or replaces the reference stored under key.
func (q *querier) PutMessageRef(ctx context.Context, key string, ref storage.MessageRef) error {
	err := q.write(ctx, func(w *querier) error {
		_, err := w.tx.ExecContext(ctx, `INSERT INTO message_refs (key, platform, channel_id, message_id)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET platform = excluded.platform,
				channel_id = excluded.channel_id, message_id = excluded.message_id`,
			key, ref.Platform, ref.ChannelID, ref.MessageID)
		return mapErr(err)
	})
	if err != nil {
		return fmt.Errorf("put message ref %q: %w", key, err)
	}
	return nil
}

// GetMessageRef returns the reference under key; ErrNotFound if none.
func (q *querier) GetMessageRef(ctx context.Context, key string) (storage.MessageRef, error) {
	var ref storage.MessageRef
	err := q.read(ctx, func(db dbtx) error {
		return mapErr(db.QueryRowContext(ctx, `SELECT platform, channel_id, message_id
			FROM message_refs WHERE key = ?`, key).Scan(&ref.Platform, &ref.ChannelID, &ref.MessageID))
	})
	if err != nil {
		return storage.MessageRef{}, fmt.Errorf("get message ref %q: %w", key, err)
	}
	return ref, nil
}
