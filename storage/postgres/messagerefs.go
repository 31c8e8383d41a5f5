package postgres

import (
	"context"

	"github.com/tourniquet/tourniquet/storage"
)

// PutMessageRef inserts or replaces the reference stored under key.
func (q querier) PutMessageRef(ctx context.Context, key string, ref storage.MessageRef) error {
	_, err := q.db.Exec(ctx, `INSERT INTO message_refs (key, platform, channel_id, message_id)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET platform = EXCLUDED.platform,
			channel_id = EXCLUDED.channel_id, message_id = EXCLUDED.message_id`,
		key, ref.Platform, ref.ChannelID, ref.MessageID)
	return mapErr("put message ref "+key, err)
}

// GetMessageRef returns the reference under key.
func (q querier) GetMessageRef(ctx context.Context, key string) (storage.MessageRef, error) {
	var ref storage.MessageRef
	err := q.db.QueryRow(ctx, `SELECT platform, channel_id, message_id FROM message_refs WHERE key = $1`, key).
		Scan(&ref.Platform, &ref.ChannelID, &ref.MessageID)
	if err != nil {
		return storage.MessageRef{}, mapErr("message ref "+key, err)
	}
	return ref, nil
}
