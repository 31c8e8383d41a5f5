-- The SQLite twin of postgres/00009_probes.sql. Timestamps are TEXT in the
-- fixed-width UTC form of 00001; marks are JSON text.

-- +goose Up
CREATE TABLE probe_states (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    probe_id     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','impacting','clear','unknown')),
    value        REAL,
    message      TEXT NOT NULL DEFAULT '',
    breach_since TEXT,
    status_since TEXT NOT NULL,
    next_due_at  TEXT NOT NULL,
    lease_until  TEXT NOT NULL,
    claims       INTEGER NOT NULL DEFAULT 0,
    evaluated_at TEXT,
    marks        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(marks)),
    updated_at   TEXT NOT NULL,
    UNIQUE (incident_id, probe_id)
);
CREATE INDEX probe_states_due_idx ON probe_states (next_due_at, id);

CREATE TABLE probe_samples (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    probe_id    TEXT NOT NULL,
    at          TEXT NOT NULL,
    value       REAL,
    status      TEXT NOT NULL CHECK (status IN ('pending','impacting','clear','unknown'))
);
CREATE INDEX probe_samples_incident_idx ON probe_samples (incident_id, probe_id, at);

-- +goose Down
DROP TABLE probe_samples;
DROP TABLE probe_states;
