-- Mitigation check-ins: durable schedules (next_due_at) that every replica's
-- sweeper claims with FOR UPDATE SKIP LOCKED, and the record of each one
-- sent, unique per (check-in, due time) so that N replicas send it once.

-- +goose Up
CREATE TABLE checkins (
    id           BIGSERIAL PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('impact','diagnosis','digest')),
    -- NULL for a check-in that belongs to no incident (the digest).
    incident_id  BIGINT REFERENCES incidents(id),
    spec         TEXT NOT NULL DEFAULT '',
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    next_due_at  TIMESTAMPTZ NOT NULL,
    unanswered   INT NOT NULL DEFAULT 0,
    escalation   INT NOT NULL DEFAULT 0,
    fired        INT NOT NULL DEFAULT 0,
    open_fire_id BIGINT NOT NULL DEFAULT 0,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX checkins_due_idx ON checkins (next_due_at, id) WHERE active;
CREATE INDEX checkins_incident_idx ON checkins (incident_id);

CREATE TABLE checkin_fires (
    id                   BIGSERIAL PRIMARY KEY,
    checkin_id           BIGINT NOT NULL REFERENCES checkins(id),
    incident_id          BIGINT REFERENCES incidents(id),
    seq                  INT NOT NULL,
    due_at               TIMESTAMPTZ NOT NULL,
    fired_at             TIMESTAMPTZ NOT NULL,
    late                 BOOLEAN NOT NULL DEFAULT FALSE,
    escalation           INT NOT NULL DEFAULT 0,
    status               TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','answered','superseded','closed')),
    answer               TEXT NOT NULL DEFAULT '' CHECK (answer IN ('','yes','partial','no')),
    answered_by_platform TEXT NOT NULL DEFAULT '',
    answered_by_id       TEXT NOT NULL DEFAULT '',
    answered_by_name     TEXT NOT NULL DEFAULT '',
    answered_at          TIMESTAMPTZ,
    closed_at            TIMESTAMPTZ,
    UNIQUE (checkin_id, due_at)
);
CREATE INDEX checkin_fires_checkin_idx ON checkin_fires (checkin_id, seq);

-- +goose Down
DROP TABLE checkin_fires;
DROP TABLE checkins;
