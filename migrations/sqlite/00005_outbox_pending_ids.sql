-- The sender's claim walks pending messages in ID order. Without this
-- index it walked the primary key, reading every delivered message on the
-- way, and the delivered history only grows (pruned after a retention, see
-- the janitor). The (platform, channel, id) index stays for the per-channel
-- head check.

-- +goose Up
CREATE INDEX outbox_pending_id_idx ON outbox (id) WHERE status = 'pending';

-- +goose Down
DROP INDEX outbox_pending_id_idx;
