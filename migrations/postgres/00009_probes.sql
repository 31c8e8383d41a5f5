-- Impact probes: each probe's view of each open incident (status, last
-- value, schedule), leased by one replica at a time (claims, lease_until)
-- so that N replicas evaluate it once per interval; and the samples the
-- report charts, bounded per (incident, probe) by the writer.

-- +goose Up
CREATE TABLE probe_states (
    id           BIGSERIAL PRIMARY KEY,
    incident_id  BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    probe_id     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','impacting','clear','unknown')),
    value        DOUBLE PRECISION,
    message      TEXT NOT NULL DEFAULT '',
    breach_since TIMESTAMPTZ,
    status_since TIMESTAMPTZ NOT NULL,
    next_due_at  TIMESTAMPTZ NOT NULL,
    lease_until  TIMESTAMPTZ NOT NULL,
    claims       BIGINT NOT NULL DEFAULT 0,
    evaluated_at TIMESTAMPTZ,
    marks        JSONB NOT NULL DEFAULT '{}',
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (incident_id, probe_id)
);
CREATE INDEX probe_states_due_idx ON probe_states (next_due_at, id);

CREATE TABLE probe_samples (
    id          BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    probe_id    TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    value       DOUBLE PRECISION,
    status      TEXT NOT NULL CHECK (status IN ('pending','impacting','clear','unknown'))
);
CREATE INDEX probe_samples_incident_idx ON probe_samples (incident_id, probe_id, at);

-- +goose Down
DROP TABLE probe_samples;
DROP TABLE probe_states;
