-- Alert intake and paging. An alert group is written by the intake before
-- it answers 2xx, keyed by (source, group_key); a delivery whose content
-- hash equals the stored one (a retry, a repeat) changes nothing, any
-- other bumps version, and the routing worker on any replica claims groups
-- whose version is past routed_version with FOR UPDATE SKIP LOCKED.
-- incident_alerts are the alerts attached to an incident, by fingerprint.
-- pages are requests to paging integrations, at most one per (incident,
-- step); a worker claims a pending one with a lease (attempts is the
-- fencing token) and one found sending after its lease ran out is marked
-- unknown, never sent again silently.

-- +goose Up
CREATE TABLE alert_groups (
    id              BIGSERIAL PRIMARY KEY,
    source          TEXT NOT NULL,
    group_key       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('firing','resolved')),
    hash            TEXT NOT NULL,
    payload         JSONB NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    routed_version  BIGINT NOT NULL DEFAULT 0,
    incident_id     BIGINT REFERENCES incidents(id),
    decision        TEXT NOT NULL DEFAULT '',
    received_at     TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (source, group_key)
);
CREATE INDEX alert_groups_waiting_idx ON alert_groups (updated_at, id) WHERE version > routed_version;

CREATE TABLE incident_alerts (
    incident_id  BIGINT NOT NULL REFERENCES incidents(id),
    fingerprint  TEXT NOT NULL,
    group_id     BIGINT NOT NULL REFERENCES alert_groups(id),
    name         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('firing','resolved')),
    starts_at    TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, fingerprint)
);

CREATE TABLE pages (
    id                     BIGSERIAL PRIMARY KEY,
    incident_id            BIGINT NOT NULL REFERENCES incidents(id),
    step                   TEXT NOT NULL,
    target                 TEXT NOT NULL,
    action                 TEXT NOT NULL CHECK (action IN ('trigger','resolve')),
    message                TEXT NOT NULL DEFAULT '',
    requested_by_platform  TEXT NOT NULL DEFAULT '',
    requested_by_id        TEXT NOT NULL DEFAULT '',
    requested_by_name      TEXT NOT NULL DEFAULT '',
    status                 TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','sent','failed','unknown')),
    attempts               INT NOT NULL DEFAULT 0,
    next_attempt_at        TIMESTAMPTZ NOT NULL,
    lease_until            TIMESTAMPTZ,
    last_error             TEXT NOT NULL DEFAULT '',
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    UNIQUE (incident_id, step)
);
CREATE INDEX pages_pending_idx ON pages (next_attempt_at, id) WHERE status = 'pending';

-- +goose Down
DROP TABLE pages;
DROP TABLE incident_alerts;
DROP TABLE alert_groups;
