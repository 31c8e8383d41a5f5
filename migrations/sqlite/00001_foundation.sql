-- The SQLite twin of postgres/00001_foundation.sql.
--
-- Timestamps are TEXT in UTC with a fixed nine-digit fraction
-- ('2026-03-01T12:00:00.000000000Z'), so that comparing them as strings
-- (next_attempt_at <= ?, ORDER BY declared_at) orders them as times. The
-- store writes and binds them in exactly that form, never raw.
-- services, windows, payload, data and detail are JSON text.

-- +goose Up
CREATE TABLE incidents (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT NOT NULL,
    severity           TEXT NOT NULL CHECK (severity IN ('sev1','sev2','sev3','sev4')),
    impact             TEXT NOT NULL CHECK (impact IN ('ongoing','mitigated')),
    cause              TEXT NOT NULL CHECK (cause IN ('unknown','identified')),
    state              TEXT NOT NULL CHECK (state IN ('open','resolved')),
    lead_platform      TEXT NOT NULL DEFAULT '',
    lead_id            TEXT NOT NULL DEFAULT '',
    lead_name          TEXT NOT NULL DEFAULT '',
    declarer_platform  TEXT NOT NULL DEFAULT '',
    declarer_id        TEXT NOT NULL DEFAULT '',
    declarer_name      TEXT NOT NULL DEFAULT '',
    services           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(services) AND json_type(services) = 'array'),
    impact_started_at  TEXT NOT NULL,
    declared_at        TEXT NOT NULL,
    mitigated_at       TEXT,
    diagnosed_at       TEXT,
    resolved_at        TEXT,
    cause_text         TEXT NOT NULL DEFAULT '',
    summary            TEXT NOT NULL DEFAULT '',
    windows            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(windows) AND json_type(windows) = 'array'),
    event_seq          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_state_idx ON incidents (state, id DESC);
CREATE INDEX incidents_declared_idx ON incidents (declared_at DESC);

CREATE TABLE incident_channels (
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    platform    TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    PRIMARY KEY (platform, channel_id)
);
CREATE INDEX incident_channels_incident_idx ON incident_channels (incident_id);

CREATE TABLE events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id    INTEGER NOT NULL REFERENCES incidents(id),
    seq            INTEGER NOT NULL,
    at             TEXT NOT NULL,
    kind           TEXT NOT NULL,
    actor_platform TEXT NOT NULL DEFAULT '',
    actor_id       TEXT NOT NULL DEFAULT '',
    actor_name     TEXT NOT NULL DEFAULT '',
    text           TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    data           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    UNIQUE (incident_id, seq)
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    platform        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    incident_id     INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending_idx ON outbox (platform, channel, id) WHERE status = 'pending';

CREATE TABLE message_refs (
    key        TEXT PRIMARY KEY,
    platform   TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_id TEXT NOT NULL
);

CREATE TABLE dedupe_keys (
    key        TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX dedupe_keys_expires_idx ON dedupe_keys (expires_at);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    incident_id    INTEGER NOT NULL DEFAULT 0,
    actor_platform TEXT NOT NULL DEFAULT '',
    actor_id       TEXT NOT NULL DEFAULT '',
    actor_name     TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    subject        TEXT NOT NULL DEFAULT '',
    step           TEXT NOT NULL,
    outcome        TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    duration_ms    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX audit_log_incident_idx ON audit_log (incident_id, id);

-- The timeline and the audit log are append-only.
-- +goose StatementBegin
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_log;
DROP TABLE dedupe_keys;
DROP TABLE message_refs;
DROP TABLE outbox;
DROP TABLE events;
DROP TABLE incident_channels;
DROP TABLE incidents;
