package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

const changeCols = `id, service, kind, version, previous_version, flag, value, by_name, at, recorded_at, link, source, external_id`

func scanChange(row pgx.Row) (incident.Change, error) {
	var (
		c    incident.Change
		kind string
	)
	err := row.Scan(&c.ID, &c.Service, &kind, &c.Version, &c.PreviousVersion, &c.Flag, &c.Value, &c.By,
		&c.At, &c.RecordedAt, &c.Link, &c.Source, &c.ExternalID)
	c.Kind = incident.ChangeKind(kind)
	c.At, c.RecordedAt = c.At.UTC(), c.RecordedAt.UTC()
	return c, err
}

// RecordChange inserts c unless its (source, external ID) is known.
func (q querier) RecordChange(ctx context.Context, c *incident.Change) (bool, error) {
	err := q.db.QueryRow(ctx, `INSERT INTO changes
		(service, kind, version, previous_version, flag, value, by_name, at, recorded_at, link, source, external_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (source, external_id) WHERE external_id <> '' DO NOTHING RETURNING id`,
		c.Service, string(c.Kind), c.Version, c.PreviousVersion, c.Flag, c.Value, c.By, c.At, c.RecordedAt,
		c.Link, c.Source, c.ExternalID).Scan(&c.ID)
	if isNoRows(err) {
		old, err := queryOne(ctx, q.db, "record change", scanChange,
			`SELECT `+changeCols+` FROM changes WHERE source = $1 AND external_id = $2`, c.Source, c.ExternalID)
		if err != nil {
			return false, err
		}
		*c = old
		return false, nil
	}
	if err != nil {
		return false, mapErr("record change", err)
	}
	return true, nil
}

// GetChange returns one change.
func (q querier) GetChange(ctx context.Context, id int64) (incident.Change, error) {
	return queryOne(ctx, q.db, fmt.Sprintf("get change %d", id), scanChange,
		`SELECT `+changeCols+` FROM changes WHERE id = $1`, id)
}

// ListChanges returns the changes matching f, newest first.
func (q querier) ListChanges(ctx context.Context, f storage.ChangeFilter) ([]incident.Change, error) {
	sql := `SELECT ` + changeCols + ` FROM changes WHERE true`
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if len(f.Services) > 0 {
		sql += ` AND service = ANY(` + arg(f.Services) + `)`
	}
	if !f.From.IsZero() {
		sql += ` AND at >= ` + arg(f.From)
	}
	if !f.To.IsZero() {
		sql += ` AND at < ` + arg(f.To)
	}
	sql += ` ORDER BY at DESC, id DESC`
	if f.Limit > 0 {
		sql += ` LIMIT ` + arg(f.Limit)
	}
	return queryRows(ctx, q.db, "list changes", nil, scanChange, sql, args...)
}

// PruneChanges deletes up to limit changes shipped before the given time.
func (q querier) PruneChanges(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM changes WHERE id IN (
		SELECT id FROM changes WHERE at < $1 ORDER BY at, id LIMIT $2)`, before, limit)
	if err != nil {
		return 0, mapErr("prune changes", err)
	}
	return int(tag.RowsAffected()), nil
}

// LinkChangeRun records which change a run undoes.
func (q querier) LinkChangeRun(ctx context.Context, r storage.ChangeRun) error {
	ch, params, err := encodeChangeRun(r)
	if err != nil {
		return err
	}
	var id string
	err = q.db.QueryRow(ctx, `INSERT INTO change_runs (run_id, incident_id, change_id, change, params, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
		r.RunID, r.IncidentID, r.Change.ID, ch, params, r.CreatedAt).Scan(&id)
	switch {
	case isNoRows(err):
		return fmt.Errorf("link run %s to a change: linked already: %w", r.RunID, storage.ErrConflict)
	case isForeignKey(err):
		return fmt.Errorf("link run %s to a change: no such run: %w", r.RunID, storage.ErrNotFound)
	}
	return mapErr("link run to change", err)
}

func encodeChangeRun(r storage.ChangeRun) (ch, params []byte, err error) {
	if ch, err = json.Marshal(r.Change); err != nil {
		return nil, nil, fmt.Errorf("encode change: %w", err)
	}
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	if params, err = json.Marshal(r.Params); err != nil {
		return nil, nil, fmt.Errorf("encode change params: %w", err)
	}
	return ch, params, nil
}

const changeRunCols = `run_id, incident_id, change, params, created_at`

func scanChangeRun(row pgx.Row) (storage.ChangeRun, error) {
	var (
		r          storage.ChangeRun
		ch, params []byte
	)
	if err := row.Scan(&r.RunID, &r.IncidentID, &ch, &params, &r.CreatedAt); err != nil {
		return r, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	if err := json.Unmarshal(ch, &r.Change); err != nil {
		return r, fmt.Errorf("decode stored change: %w", err)
	}
	if err := json.Unmarshal(params, &r.Params); err != nil {
		return r, fmt.Errorf("decode stored change params: %w", err)
	}
	return r, nil
}

// ChangeRunOf returns the link of a run.
func (q querier) ChangeRunOf(ctx context.Context, runID string) (storage.ChangeRun, error) {
	return queryOne(ctx, q.db, "change of run "+runID, scanChangeRun,
		`SELECT `+changeRunCols+` FROM change_runs WHERE run_id = $1`, runID)
}

// ListChangeRuns returns an incident's links, oldest first.
func (q querier) ListChangeRuns(ctx context.Context, incidentID int64) ([]storage.ChangeRun, error) {
	return queryRows(ctx, q.db, "list change runs", nil, scanChangeRun,
		`SELECT `+changeRunCols+` FROM change_runs WHERE incident_id = $1 ORDER BY created_at, run_id`, incidentID)
}
