-- The change feed: deploys, flag flips, config pushes and infrastructure
-- changes reported by CI (POST /api/v1/changes, `tourniquet change
-- record`) and by webhooks (GitHub, LaunchDarkly, Argo CD). A redelivered
-- webhook carries the same (source, external_id) and is recorded once.
-- Rows are pruned by age (changes.retention) by the janitor.
--
-- change_runs links an action run to the change it undoes, with the
-- parameters rendered from the change and a copy of the change (JSON), so
-- that the report keeps the story after the change is pruned. A side
-- table rather than columns on action_runs: most runs undo no change.

-- +goose Up
CREATE TABLE changes (
    id                BIGSERIAL PRIMARY KEY,
    service           TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('deploy','flag','config','infra')),
    version           TEXT NOT NULL DEFAULT '',
    previous_version  TEXT NOT NULL DEFAULT '',
    flag              TEXT NOT NULL DEFAULT '',
    value             TEXT NOT NULL DEFAULT '',
    by_name           TEXT NOT NULL DEFAULT '',
    at                TIMESTAMPTZ NOT NULL,
    recorded_at       TIMESTAMPTZ NOT NULL,
    link              TEXT NOT NULL DEFAULT '',
    source            TEXT NOT NULL DEFAULT '',
    external_id       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX changes_external_key ON changes (source, external_id) WHERE external_id <> '';
CREATE INDEX changes_service_at ON changes (service, at);
CREATE INDEX changes_at ON changes (at);

CREATE TABLE change_runs (
    run_id       TEXT PRIMARY KEY REFERENCES action_runs(id),
    incident_id  BIGINT NOT NULL REFERENCES incidents(id),
    change_id    BIGINT NOT NULL,
    change       JSONB NOT NULL,
    params       JSONB NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX change_runs_incident ON change_runs (incident_id);

-- +goose Down
DROP TABLE change_runs;
DROP TABLE changes;
