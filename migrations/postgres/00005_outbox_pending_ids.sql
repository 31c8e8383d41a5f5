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

--
-- The outbox is a queue: rows are inserted, updated twice and pruned. Its
-- statistics must follow a backlog that builds up in seconds (the claim's
-- plan depends on them), so autovacuum analyzes it after 500 changed rows
-- instead of 10% of the table, and vacuums it after 2,000 dead rows. The
-- store also analyzes it itself when a claim turns slow.

-- +goose NO TRANSACTION
-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS outbox_pending_id_idx;
CREATE INDEX CONCURRENTLY outbox_pending_id_idx ON outbox (id) WHERE status = 'pending';
ALTER TABLE outbox SET (autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 500,
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000);

-- +goose Down
ALTER TABLE outbox RESET (autovacuum_analyze_scale_factor, autovacuum_analyze_threshold,
    autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold);
DROP INDEX CONCURRENTLY IF EXISTS outbox_pending_id_idx;
