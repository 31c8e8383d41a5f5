-- Postmortem draft requests. A request is written in the transaction of the
-- command that asks for it (resolve, timeline); a worker on any replica
-- claims the oldest pending one with FOR UPDATE SKIP LOCKED and a lease,
-- writes the summary outside any transaction (a language model is slow),
-- then posts it and marks it posted in one transaction, provided nobody
-- claimed it since (attempts is the fencing token). At most one request
-- per incident is pending.

-- +goose Up
CREATE TABLE postmortem_drafts (
    id                     BIGSERIAL PRIMARY KEY,
    incident_id            BIGINT NOT NULL REFERENCES incidents(id),
    reason                 TEXT NOT NULL,
    requested_by_platform  TEXT NOT NULL DEFAULT '',
    requested_by_id        TEXT NOT NULL DEFAULT '',
    requested_by_name      TEXT NOT NULL DEFAULT '',
    requested_at           TIMESTAMPTZ NOT NULL,
    status                 TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','posted')),
    attempts               INT NOT NULL DEFAULT 0,
    lease_until            TIMESTAMPTZ,
    posted_at              TIMESTAMPTZ,
    source                 TEXT NOT NULL DEFAULT '',
    last_error             TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX postmortem_drafts_one_pending ON postmortem_drafts (incident_id) WHERE status = 'pending';
CREATE INDEX postmortem_drafts_pending_idx ON postmortem_drafts (id) WHERE status = 'pending';

-- +goose Down
DROP TABLE postmortem_drafts;
