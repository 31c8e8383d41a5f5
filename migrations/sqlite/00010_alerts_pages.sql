-- The SQLite twin of postgres/00010_alerts_pages.sql. Timestamps are TEXT
-- in the fixed-width UTC form of 00001_foundation.sql.

-- +goose Up
CREATE TABLE alert_groups (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source          TEXT NOT NULL,
    group_key       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('firing','resolved')),
    hash            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    routed_version  INTEGER NOT NULL DEFAULT 0,
    incident_id     INTEGER REFERENCES incidents(id),
    decision        TEXT NOT NULL DEFAULT '',
    received_at     TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (source, group_key)
);
CREATE INDEX alert_groups_waiting_idx ON alert_groups (updated_at, id) WHERE version > routed_version;

CREATE TABLE incident_alerts (
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    fingerprint  TEXT NOT NULL,
    group_id     INTEGER NOT NULL REFERENCES alert_groups(id),
    name         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('firing','resolved')),
    starts_at    TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (incident_id, fingerprint)
);

CREATE TABLE pages (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id            INTEGER NOT NULL REFERENCES incidents(id),
    step                   TEXT NOT NULL,
    target                 TEXT NOT NULL,
    action                 TEXT NOT NULL CHECK (action IN ('trigger','resolve')),
    message                TEXT NOT NULL DEFAULT '',
    requested_by_platform  TEXT NOT NULL DEFAULT '',
    requested_by_id        TEXT NOT NULL DEFAULT '',
    requested_by_name      TEXT NOT NULL DEFAULT '',
    status                 TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','sent','failed','unknown')),
    attempts               INTEGER NOT NULL DEFAULT 0,
    next_attempt_at        TEXT NOT NULL,
    lease_until            TEXT,
    last_error             TEXT NOT NULL DEFAULT '',
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    UNIQUE (incident_id, step)
);
CREATE INDEX pages_pending_idx ON pages (next_attempt_at, id) WHERE status = 'pending';

-- +goose Down
DROP TABLE pages;
DROP TABLE incident_alerts;
DROP TABLE alert_groups;
