-- The SQLite twin of postgres/00012_changes.sql. Timestamps are TEXT in
-- the fixed-width UTC form of 00001; JSON is TEXT checked with json_valid.

-- +goose Up
CREATE TABLE changes (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    service           TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('deploy','flag','config','infra')),
    version           TEXT NOT NULL DEFAULT '',
    previous_version  TEXT NOT NULL DEFAULT '',
    flag              TEXT NOT NULL DEFAULT '',
    value             TEXT NOT NULL DEFAULT '',
    by_name           TEXT NOT NULL DEFAULT '',
    at                TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    link              TEXT NOT NULL DEFAULT '',
    source            TEXT NOT NULL DEFAULT '',
    external_id       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX changes_external_key ON changes (source, external_id) WHERE external_id <> '';
CREATE INDEX changes_service_at ON changes (service, at);
CREATE INDEX changes_at ON changes (at);

CREATE TABLE change_runs (
    run_id       TEXT PRIMARY KEY REFERENCES action_runs(id),
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    change_id    INTEGER NOT NULL,
    change       TEXT NOT NULL CHECK (json_valid(change)),
    params       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
    created_at   TEXT NOT NULL
);
CREATE INDEX change_runs_incident ON change_runs (incident_id);

-- +goose Down
DROP TABLE change_runs;
DROP TABLE changes;
