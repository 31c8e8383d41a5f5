-- Issue #15: a resolved incident gives back the channel it borrowed
-- ("declare here"), and incidents can be private.
--
-- incident_channels keeps one row per incident and channel (it was one
-- per channel): a channel borrowed and released by a resolved incident
-- stays among that incident's channels, so its late messages and card
-- updates still reach it, while another incident binds it. At most one
-- incident holds a channel at a time: the rows not released are unique
-- per channel.
--
-- Existing bindings made by "declare here" (the declared event says
-- here=true and names the channel) are marked borrowed, and those of
-- resolved incidents released at their resolution, so channels blocked
-- by the old rule are free again after the upgrade.
--
-- During a rolling upgrade, replicas still on the previous version cannot
-- bind channels (their ON CONFLICT names the old key); the outbox retries
-- the opening until an upgraded replica takes it.

-- +goose Up
ALTER TABLE incidents ADD COLUMN private BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE incident_channels
    ADD COLUMN borrowed BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN released_at TIMESTAMPTZ;
ALTER TABLE incident_channels DROP CONSTRAINT incident_channels_pkey;
ALTER TABLE incident_channels ADD PRIMARY KEY (incident_id, platform, channel_id);
CREATE UNIQUE INDEX incident_channels_claim_idx ON incident_channels (platform, channel_id)
    WHERE released_at IS NULL;

UPDATE incident_channels c SET borrowed = true
    FROM events e
    WHERE e.incident_id = c.incident_id AND e.kind = 'declared'
      AND e.data->>'here' = 'true' AND e.data->>'channel' = c.platform || ':' || c.channel_id;
UPDATE incident_channels c SET released_at = i.resolved_at
    FROM incidents i
    WHERE i.id = c.incident_id AND c.borrowed AND i.state = 'resolved';

-- +goose Down
-- The old key allows one incident per channel: released bindings go.
DELETE FROM incident_channels WHERE released_at IS NOT NULL;
DROP INDEX incident_channels_claim_idx;
ALTER TABLE incident_channels DROP CONSTRAINT incident_channels_pkey;
ALTER TABLE incident_channels ADD PRIMARY KEY (platform, channel_id);
ALTER TABLE incident_channels DROP COLUMN released_at, DROP COLUMN borrowed;
ALTER TABLE incidents DROP COLUMN private;
