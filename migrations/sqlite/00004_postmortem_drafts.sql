-- The SQLite twin of postgres/00004_postmortem_drafts.sql. Timestamps are
-- TEXT in the fixed-width UTC form of 00001_foundation.sql.

-- +goose Up
CREATE TABLE postmortem_drafts (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id            INTEGER NOT NULL REFERENCES incidents(id),
    reason                 TEXT NOT NULL,
    requested_by_platform  TEXT NOT NULL DEFAULT '',
    requested_by_id        TEXT NOT NULL DEFAULT '',
    requested_by_name      TEXT NOT NULL DEFAULT '',
    requested_at           TEXT NOT NULL,
    status                 TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','posted')),
    attempts               INTEGER NOT NULL DEFAULT 0,
    lease_until            TEXT,
    posted_at              TEXT,
    source                 TEXT NOT NULL DEFAULT '',
    last_error             TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX postmortem_drafts_one_pending ON postmortem_drafts (incident_id) WHERE status = 'pending';
CREATE INDEX postmortem_drafts_pending_idx ON postmortem_drafts (id) WHERE status = 'pending';

-- +goose Down
DROP TABLE postmortem_drafts;
