-- Mitigation readiness and drills (docs/readiness.md): side tables keyed by
-- incident, so that the incidents table and every reader of it stay as
-- they were.
--
-- fail_forward_deadlines: a fail-forward decision taken with a deadline
-- ("fail-forward 30m …"). Every replica's sweeper claims due rows with
-- FOR UPDATE SKIP LOCKED and marks them fired in the same transaction as
-- the question it posts, so N replicas ask once.
--
-- drills: an incident that is a drill, with its service, scenario and the
-- grade given at resolution (JSON, NULL until graded). Reports and metrics
-- leave these incidents out by default.
--
-- readiness_preflights: the latest read-only preflight of each action.
-- readiness_schedules: when a periodic job (the preflights) is next due; a
-- replica claims a run by moving next_due_at forward in one UPDATE.

-- +goose Up
CREATE TABLE fail_forward_deadlines (
    id           BIGSERIAL PRIMARY KEY,
    incident_id  BIGINT NOT NULL REFERENCES incidents(id),
    event_id     BIGINT NOT NULL,
    decided_at   TIMESTAMPTZ NOT NULL,
    due_at       TIMESTAMPTZ NOT NULL,
    fired_at     TIMESTAMPTZ,
    outcome      TEXT NOT NULL DEFAULT '',
    UNIQUE (incident_id, event_id)
);
CREATE INDEX fail_forward_deadlines_due_idx ON fail_forward_deadlines (due_at) WHERE fired_at IS NULL;

CREATE TABLE drills (
    incident_id  BIGINT PRIMARY KEY REFERENCES incidents(id),
    service      TEXT NOT NULL,
    scenario     TEXT NOT NULL DEFAULT '',
    started_at   TIMESTAMPTZ NOT NULL,
    graded_at    TIMESTAMPTZ,
    grade        JSONB
);
CREATE INDEX drills_service_idx ON drills (service, started_at);

CREATE TABLE readiness_preflights (
    action_id    TEXT PRIMARY KEY,
    integration  TEXT NOT NULL DEFAULT '',
    checked_at   TIMESTAMPTZ NOT NULL,
    ok           BOOLEAN NOT NULL,
    detail       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE readiness_schedules (
    name         TEXT PRIMARY KEY,
    next_due_at  TIMESTAMPTZ NOT NULL,
    last_run_at  TIMESTAMPTZ
);

-- +goose Down
DROP TABLE readiness_schedules;
DROP TABLE readiness_preflights;
DROP TABLE drills;
DROP TABLE fail_forward_deadlines;
