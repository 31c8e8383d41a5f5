-- Sign-in states used, and follow-ups with their tickets.
--
-- signin_states: the state of every OpenID Connect sign-in that came back
-- (its SHA-256, never the state itself). The callback claims it with an
-- insert; a second callback with the same state finds the row and is
-- refused, on whichever replica it lands. Rows are kept until the state
-- would have expired anyway, then deleted by the janitor.
--
-- follow_ups: work that leaves the incident ("add an alert on queue
-- depth"), recorded by /incident follow-up. A ticket is created for one in
-- Jira, Linear or GitHub at most once: ticket_status goes none → pending
-- (asked for) → creating (claimed by one worker, attempts is the fencing
-- token) → created | failed | unknown. A row found creating after its lease
-- ran out may have reached the tracker: it becomes unknown, never pending
-- again. ticket_state is the tracker's own state of a created ticket (open
-- or done), polled.

-- +goose Up
CREATE TABLE signin_states (
    state_hash  TEXT PRIMARY KEY,
    used_at     TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX signin_states_expiry ON signin_states (expires_at);

CREATE TABLE follow_ups (
    id                   BIGSERIAL PRIMARY KEY,
    incident_id          BIGINT NOT NULL REFERENCES incidents(id),
    text                 TEXT NOT NULL,
    owner_platform       TEXT NOT NULL DEFAULT '',
    owner_id             TEXT NOT NULL DEFAULT '',
    owner_name           TEXT NOT NULL DEFAULT '',
    created_by_platform  TEXT NOT NULL DEFAULT '',
    created_by_id        TEXT NOT NULL DEFAULT '',
    created_by_name      TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMPTZ NOT NULL,
    tracker              TEXT NOT NULL DEFAULT '',
    ticket_status        TEXT NOT NULL DEFAULT 'none'
                         CHECK (ticket_status IN ('none','pending','creating','created','failed','unknown')),
    attempts             INT NOT NULL DEFAULT 0,
    lease_until          TIMESTAMPTZ,
    ticket_key           TEXT NOT NULL DEFAULT '',
    ticket_url           TEXT NOT NULL DEFAULT '',
    ticket_state         TEXT NOT NULL DEFAULT '' CHECK (ticket_state IN ('','open','done')),
    checked_at           TIMESTAMPTZ,
    last_error           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX follow_ups_incident_idx ON follow_ups (incident_id, id);
CREATE INDEX follow_ups_pending_idx ON follow_ups (id) WHERE ticket_status IN ('pending','creating');
CREATE INDEX follow_ups_created_idx ON follow_ups (checked_at) WHERE ticket_status = 'created';

-- +goose Down
DROP TABLE follow_ups;
DROP TABLE signin_states;
