-- The SQLite twin of postgres/00007_incident_roles.sql: who holds each
-- incident role, as JSON text (role name → actor), {} when nobody does.

-- +goose Up
ALTER TABLE incidents ADD COLUMN roles TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(roles) AND json_type(roles) = 'object');

-- +goose Down
ALTER TABLE incidents DROP COLUMN roles;
