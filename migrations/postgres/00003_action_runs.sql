-- Runs of mitigation actions. A run is claimed by inserting it: the partial
-- unique index below allows at most one active run (requested,
-- awaiting_approval, running) per (incident, action), so a double click or
-- fifty concurrent ones create one run. Its id is the idempotency key sent
-- to the external system. Runners on any replica claim requested runs with
-- FOR UPDATE SKIP LOCKED, mark them running (committed) before the call and
-- record the outcome after it; a run left running past lease_until becomes
-- unknown and a person is asked whether it took effect.

-- +goose Up
CREATE TABLE action_runs (
    id                     TEXT PRIMARY KEY,
    incident_id            BIGINT NOT NULL REFERENCES incidents(id),
    action_id              TEXT NOT NULL,
    title                  TEXT NOT NULL DEFAULT '',
    kind                   TEXT NOT NULL DEFAULT '',
    integration            TEXT NOT NULL DEFAULT '',
    undo                   BOOLEAN NOT NULL DEFAULT FALSE,
    status                 TEXT NOT NULL CHECK (status IN
                               ('requested','awaiting_approval','running','succeeded','failed','unknown','cancelled')),
    source                 TEXT NOT NULL DEFAULT '',
    requested_by_platform  TEXT NOT NULL DEFAULT '',
    requested_by_id        TEXT NOT NULL DEFAULT '',
    requested_by_name      TEXT NOT NULL DEFAULT '',
    requested_at           TIMESTAMPTZ NOT NULL,
    approved_by_platform   TEXT NOT NULL DEFAULT '',
    approved_by_id         TEXT NOT NULL DEFAULT '',
    approved_by_name       TEXT NOT NULL DEFAULT '',
    approved_at            TIMESTAMPTZ,
    started_at             TIMESTAMPTZ,
    lease_until            TIMESTAMPTZ,
    finished_at            TIMESTAMPTZ,
    verified_by_platform   TEXT NOT NULL DEFAULT '',
    verified_by_id         TEXT NOT NULL DEFAULT '',
    verified_by_name       TEXT NOT NULL DEFAULT '',
    verified_at            TIMESTAMPTZ,
    cancelled_by_platform  TEXT NOT NULL DEFAULT '',
    cancelled_by_id        TEXT NOT NULL DEFAULT '',
    cancelled_by_name      TEXT NOT NULL DEFAULT '',
    summary                TEXT NOT NULL DEFAULT '',
    url                    TEXT NOT NULL DEFAULT '',
    error                  TEXT NOT NULL DEFAULT '',
    output                 TEXT NOT NULL DEFAULT '',
    again_of               TEXT NOT NULL DEFAULT '',
    updated_at             TIMESTAMPTZ NOT NULL
);
-- The claim: one active run per (incident, action).
CREATE UNIQUE INDEX action_runs_one_active ON action_runs (incident_id, action_id)
    WHERE status IN ('requested','awaiting_approval','running');
CREATE INDEX action_runs_latest_idx ON action_runs (incident_id, action_id, requested_at);
CREATE INDEX action_runs_requested_idx ON action_runs (requested_at, id) WHERE status = 'requested';
CREATE INDEX action_runs_lease_idx ON action_runs (lease_until, id) WHERE status = 'running';

-- +goose Down
DROP TABLE action_runs;
