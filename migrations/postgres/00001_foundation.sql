-- +goose Up
CREATE TABLE incidents (
    id                 BIGSERIAL PRIMARY KEY,
    title              TEXT NOT NULL,
    severity           TEXT NOT NULL CHECK (severity IN ('sev1','sev2','sev3','sev4')),
    impact             TEXT NOT NULL CHECK (impact IN ('ongoing','mitigated')),
    cause              TEXT NOT NULL CHECK (cause IN ('unknown','identified')),
    state              TEXT NOT NULL CHECK (state IN ('open','resolved')),
    lead_platform      TEXT NOT NULL DEFAULT '',
    lead_id            TEXT NOT NULL DEFAULT '',
    lead_name          TEXT NOT NULL DEFAULT '',
    declarer_platform  TEXT NOT NULL DEFAULT '',
    declarer_id        TEXT NOT NULL DEFAULT '',
    declarer_name      TEXT NOT NULL DEFAULT '',
    services           TEXT[] NOT NULL DEFAULT '{}',
    impact_started_at  TIMESTAMPTZ NOT NULL,
    declared_at        TIMESTAMPTZ NOT NULL,
    mitigated_at       TIMESTAMPTZ,
    diagnosed_at       TIMESTAMPTZ,
    resolved_at        TIMESTAMPTZ,
    cause_text         TEXT NOT NULL DEFAULT '',
    summary            TEXT NOT NULL DEFAULT '',
    windows            JSONB NOT NULL DEFAULT '[]',
    event_seq          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX incidents_state_idx ON incidents (state, id DESC);
CREATE INDEX incidents_declared_idx ON incidents (declared_at DESC);
CREATE INDEX incidents_services_idx ON incidents USING GIN (services);

CREATE TABLE incident_channels (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    platform    TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    -- pos keeps the order channels were bound in: the first one per platform is the main one.
    pos         BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (platform, channel_id)
);
CREATE INDEX incident_channels_incident_idx ON incident_channels (incident_id);

CREATE TABLE events (
    id             BIGSERIAL PRIMARY KEY,
    incident_id    BIGINT NOT NULL REFERENCES incidents(id),
    seq            BIGINT NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    kind           TEXT NOT NULL,
    actor_platform TEXT NOT NULL DEFAULT '',
    actor_id       TEXT NOT NULL DEFAULT '',
    actor_name     TEXT NOT NULL DEFAULT '',
    text           TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    data           JSONB NOT NULL DEFAULT '{}',
    UNIQUE (incident_id, seq)
);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    platform        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    -- JSON, not JSONB: the payload is opaque here and comes back byte for byte.
    payload         JSON NOT NULL,
    incident_id     BIGINT NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','dead')),
    attempts        INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending_idx ON outbox (platform, channel, id) WHERE status = 'pending';

CREATE TABLE message_refs (
    key        TEXT PRIMARY KEY,
    platform   TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_id TEXT NOT NULL
);

CREATE TABLE dedupe_keys (
    key        TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX dedupe_keys_expires_idx ON dedupe_keys (expires_at);

CREATE TABLE audit_log (
    id             BIGSERIAL PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL,
    incident_id    BIGINT NOT NULL DEFAULT 0,
    actor_platform TEXT NOT NULL DEFAULT '',
    actor_id       TEXT NOT NULL DEFAULT '',
    actor_name     TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    subject        TEXT NOT NULL DEFAULT '',
    step           TEXT NOT NULL,
    outcome        TEXT NOT NULL DEFAULT '',
    detail         JSONB NOT NULL DEFAULT '{}',
    duration_ms    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX audit_log_incident_idx ON audit_log (incident_id, id);

-- The timeline and the audit log are append-only.
-- +goose StatementBegin
CREATE FUNCTION tourniquet_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION tourniquet_append_only();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION tourniquet_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION tourniquet_append_only CASCADE;
DROP TABLE dedupe_keys;
DROP TABLE message_refs;
DROP TABLE outbox;
DROP TABLE events;
DROP TABLE incident_channels;
DROP TABLE incidents;
