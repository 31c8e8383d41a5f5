-- The SQLite twin of postgres/00006_channel_claims_private.sql: a
-- resolved incident gives back the channel it borrowed ("declare here"),
-- and incidents can be private.
--
-- SQLite cannot change a primary key in place: incident_channels is
-- rebuilt with one row per incident and channel, in the order the
-- channels were bound (rowid order, which loadChannels relies on). At
-- most one incident holds a channel at a time: the rows not released are
-- unique per channel. Bindings made by "declare here" are marked
-- borrowed, and those of resolved incidents released at their resolution.

-- +goose Up
ALTER TABLE incidents ADD COLUMN private INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1));

CREATE TABLE incident_channels_v6 (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    platform    TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    borrowed    INTEGER NOT NULL DEFAULT 0 CHECK (borrowed IN (0, 1)),
    released_at TEXT,
    PRIMARY KEY (incident_id, platform, channel_id)
);
INSERT INTO incident_channels_v6 (incident_id, platform, channel_id, borrowed)
    SELECT c.incident_id, c.platform, c.channel_id,
           EXISTS (SELECT 1 FROM events e
                   WHERE e.incident_id = c.incident_id AND e.kind = 'declared'
                     AND json_extract(e.data, '$.here') = 1
                     AND json_extract(e.data, '$.channel') = c.platform || ':' || c.channel_id)
    FROM incident_channels c ORDER BY c.rowid;
UPDATE incident_channels_v6
    SET released_at = (SELECT i.resolved_at FROM incidents i WHERE i.id = incident_channels_v6.incident_id)
    WHERE borrowed = 1
      AND (SELECT i.state FROM incidents i WHERE i.id = incident_channels_v6.incident_id) = 'resolved';
DROP TABLE incident_channels;
ALTER TABLE incident_channels_v6 RENAME TO incident_channels;
CREATE INDEX incident_channels_incident_idx ON incident_channels (incident_id);
CREATE UNIQUE INDEX incident_channels_claim_idx ON incident_channels (platform, channel_id)
    WHERE released_at IS NULL;

-- +goose Down
CREATE TABLE incident_channels_v5 (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    platform    TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    PRIMARY KEY (platform, channel_id)
);
INSERT INTO incident_channels_v5 (incident_id, platform, channel_id)
    SELECT incident_id, platform, channel_id FROM incident_channels
    WHERE released_at IS NULL ORDER BY rowid;
DROP TABLE incident_channels;
ALTER TABLE incident_channels_v5 RENAME TO incident_channels;
CREATE INDEX incident_channels_incident_idx ON incident_channels (incident_id);
ALTER TABLE incidents DROP COLUMN private;
