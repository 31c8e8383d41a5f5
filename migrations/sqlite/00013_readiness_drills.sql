-- The SQLite twin of postgres/00013_readiness_drills.sql. Timestamps are
-- TEXT in the fixed-width UTC form of 00001_foundation.sql; SQLite has one
-- writer, so a claim inside a write transaction is exclusive.

-- +goose Up
CREATE TABLE fail_forward_deadlines (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    event_id     INTEGER NOT NULL,
    decided_at   TEXT NOT NULL,
    due_at       TEXT NOT NULL,
    fired_at     TEXT,
    outcome      TEXT NOT NULL DEFAULT '',
    UNIQUE (incident_id, event_id)
);
CREATE INDEX fail_forward_deadlines_due_idx ON fail_forward_deadlines (due_at) WHERE fired_at IS NULL;

CREATE TABLE drills (
    incident_id  INTEGER PRIMARY KEY REFERENCES incidents(id),
    service      TEXT NOT NULL,
    scenario     TEXT NOT NULL DEFAULT '',
    started_at   TEXT NOT NULL,
    graded_at    TEXT,
    grade        TEXT CHECK (grade IS NULL OR json_valid(grade))
);
CREATE INDEX drills_service_idx ON drills (service, started_at);

CREATE TABLE readiness_preflights (
    action_id    TEXT PRIMARY KEY,
    integration  TEXT NOT NULL DEFAULT '',
    checked_at   TEXT NOT NULL,
    ok           INTEGER NOT NULL,
    detail       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE readiness_schedules (
    name         TEXT PRIMARY KEY,
    next_due_at  TEXT NOT NULL,
    last_run_at  TEXT
);

-- +goose Down
DROP TABLE readiness_schedules;
DROP TABLE readiness_preflights;
DROP TABLE drills;
DROP TABLE fail_forward_deadlines;
