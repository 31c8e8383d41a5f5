-- The SQLite twin of postgres/00002_checkins.sql. Timestamps are TEXT in
-- the fixed-width UTC form of 00001; booleans are 0/1. SQLite has one
-- writer, which is what makes a claim exclusive here.

-- +goose Up
CREATE TABLE checkins (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('impact','diagnosis','digest')),
    incident_id  INTEGER REFERENCES incidents(id),
    spec         TEXT NOT NULL DEFAULT '',
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
    next_due_at  TEXT NOT NULL,
    unanswered   INTEGER NOT NULL DEFAULT 0,
    escalation   INTEGER NOT NULL DEFAULT 0,
    fired        INTEGER NOT NULL DEFAULT 0,
    open_fire_id INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL
);
CREATE INDEX checkins_due_idx ON checkins (next_due_at, id) WHERE active = 1;
CREATE INDEX checkins_incident_idx ON checkins (incident_id);

CREATE TABLE checkin_fires (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    checkin_id           INTEGER NOT NULL REFERENCES checkins(id),
    incident_id          INTEGER REFERENCES incidents(id),
    seq                  INTEGER NOT NULL,
    due_at               TEXT NOT NULL,
    fired_at             TEXT NOT NULL,
    late                 INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0,1)),
    escalation           INTEGER NOT NULL DEFAULT 0,
    status               TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','answered','superseded','closed')),
    answer               TEXT NOT NULL DEFAULT '' CHECK (answer IN ('','yes','partial','no')),
    answered_by_platform TEXT NOT NULL DEFAULT '',
    answered_by_id       TEXT NOT NULL DEFAULT '',
    answered_by_name     TEXT NOT NULL DEFAULT '',
    answered_at          TEXT,
    closed_at            TEXT,
    UNIQUE (checkin_id, due_at)
);
CREATE INDEX checkin_fires_checkin_idx ON checkin_fires (checkin_id, seq);

-- +goose Down
DROP TABLE checkin_fires;
DROP TABLE checkins;
