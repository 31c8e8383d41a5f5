-- The SQLite twin of postgres/00011_signin_follow_ups.sql. Timestamps are
-- TEXT in the fixed-width UTC form of 00001_foundation.sql.

-- +goose Up
CREATE TABLE signin_states (
    state_hash  TEXT PRIMARY KEY,
    used_at     TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX signin_states_expiry ON signin_states (expires_at);

CREATE TABLE follow_ups (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id          INTEGER NOT NULL REFERENCES incidents(id),
    text                 TEXT NOT NULL,
    owner_platform       TEXT NOT NULL DEFAULT '',
    owner_id             TEXT NOT NULL DEFAULT '',
    owner_name           TEXT NOT NULL DEFAULT '',
    created_by_platform  TEXT NOT NULL DEFAULT '',
    created_by_id        TEXT NOT NULL DEFAULT '',
    created_by_name      TEXT NOT NULL DEFAULT '',
    created_at           TEXT NOT NULL,
    tracker              TEXT NOT NULL DEFAULT '',
    ticket_status        TEXT NOT NULL DEFAULT 'none'
                         CHECK (ticket_status IN ('none','pending','creating','created','failed','unknown')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    lease_until          TEXT,
    ticket_key           TEXT NOT NULL DEFAULT '',
    ticket_url           TEXT NOT NULL DEFAULT '',
    ticket_state         TEXT NOT NULL DEFAULT '' CHECK (ticket_state IN ('','open','done')),
    checked_at           TEXT,
    last_error           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX follow_ups_incident_idx ON follow_ups (incident_id, id);
CREATE INDEX follow_ups_pending_idx ON follow_ups (id) WHERE ticket_status IN ('pending','creating');
CREATE INDEX follow_ups_created_idx ON follow_ups (checked_at) WHERE ticket_status = 'created';

-- +goose Down
DROP TABLE follow_ups;
DROP TABLE signin_states;
