-- Incident roles beside lead and declarer (comms, scribe, …, as the
-- configuration's roles list names them): who holds each, as a JSON object
-- of role name → actor ({"comms": {"platform": "slack", "id": "U1",
-- "name": "ana"}}). A role nobody holds is absent. Saved with the rest of
-- the incident row, under its lock, like the lead.
--
-- Adding a column with a constant default rewrites nothing in Postgres 11
-- and later: replicas on the previous version keep working during a
-- rolling upgrade (they neither read nor write it).

-- +goose Up
ALTER TABLE incidents ADD COLUMN roles JSONB NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE incidents DROP COLUMN roles;
