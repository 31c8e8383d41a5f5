-- The sender's claim walks pending messages in ID order. Without this
-- index it walked the primary key, reading every delivered message on the
-- way, and the delivered history only grows (pruned after a retention by
-- the janitor). The (platform, channel, id) index stays for the
-- per-channel head check.
--
-- Built CONCURRENTLY, outside a transaction, so that replicas still on the
-- previous version keep enqueueing and claiming during a rolling upgrade
-- while the index is built over an outbox that was never pruned before.
-- A build that fails leaves an invalid index behind and no recorded
-- version; the next run drops it and builds again.

-- +goose NO TRANSACTION
-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS outbox_pending_id_idx;
CREATE INDEX CONCURRENTLY outbox_pending_id_idx ON outbox (id) WHERE status = 'pending';

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS outbox_pending_id_idx;
