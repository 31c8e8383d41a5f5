package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

const changeCols = `id, service, kind, version, previous_version, flag, value, by_name, at, recorded_at, link, source, external_id`

func scanChange(r scanner) (incident.Change, error) {
	var (
		c    incident.Change
		kind string
	)
	err := r.Scan(&c.ID, &c.Service, &kind, &c.Version, &c.PreviousVersion, &c.Flag, &c.Value, &c.By,
		timeCol(&c.At), timeCol(&c.RecordedAt), &c.Link, &c.Source, &c.ExternalID)
	c.Kind = incident.ChangeKind(kind)
	return c, mapErr(err)
}

// RecordChange inserts c unless its (source, external ID) is known.
func (q *querier) RecordChange(ctx context.Context, c *incident.Change) (bool, error) {
	inserted := false
	err := q.write(ctx, func(w *querier) error {
		var id int64
		err := w.tx.QueryRowContext(ctx, `INSERT INTO changes
			(service, kind, version, previous_version, flag, value, by_name, at, recorded_at, link, source, external_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (source, external_id) WHERE external_id <> '' DO NOTHING RETURNING id`,
			c.Service, string(c.Kind), c.Version, c.PreviousVersion, c.Flag, c.Value, c.By, encTime(c.At), encTime(c.RecordedAt),
			c.Link, c.Source, c.ExternalID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			old, err := scanChange(w.tx.QueryRowContext(ctx, `SELECT `+changeCols+` FROM changes
				WHERE source = ? AND external_id = ?`, c.Source, c.ExternalID))
			if err != nil {
				return err
			}
			*c = old
			return nil
		}
		if err != nil {
			return mapErr(err)
		}
		c.ID, inserted = id, true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record change: %w", err)
	}
	return inserted, nil
}

// GetChange returns one change.
func (q *querier) GetChange(ctx context.Context, id int64) (incident.Change, error) {
	return queryOne(ctx, q.read, fmt.Sprintf("get change %d", id), scanChange,
		`SELECT `+changeCols+` FROM changes WHERE id = ?`, id)
}

// ListChanges returns the changes matching f, newest first.
func (q *querier) ListChanges(ctx context.Context, f storage.ChangeFilter) ([]incident.Change, error) {
	query := `SELECT ` + changeCols + ` FROM changes WHERE 1`
	var args []any
	if len(f.Services) > 0 {
		query += ` AND service IN (` + placeholders(len(f.Services)) + `)`
		for _, s := range f.Services {
			args = append(args, s)
		}
	}
	if !f.From.IsZero() {
		query += ` AND at >= ?`
		args = append(args, encTime(f.From))
	}
	if !f.To.IsZero() {
		query += ` AND at < ?`
		args = append(args, encTime(f.To))
	}
	query += ` ORDER BY at DESC, id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return queryAll(ctx, q.read, "list changes", nil, scanChange, query, args...)
}

// PruneChanges deletes up to limit changes shipped before the given time.
func (q *querier) PruneChanges(ctx context.Context, before time.Time, limit int) (int, error) {
	return q.execWrite(ctx, "prune changes", `DELETE FROM changes WHERE id IN (
		SELECT id FROM changes WHERE at < ? ORDER BY at, id LIMIT ?)`, encTime(before), limit)
}

// LinkChangeRun records which change a run undoes.
func (q *querier) LinkChangeRun(ctx context.Context, r storage.ChangeRun) error {
	ch, err := json.Marshal(r.Change)
	if err != nil {
		return fmt.Errorf("encode change: %w", err)
	}
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	params, err := json.Marshal(r.Params)
	if err != nil {
		return fmt.Errorf("encode change params: %w", err)
	}
	err = q.writeDB(ctx, func(db dbtx) error {
		res, err := db.ExecContext(ctx, `INSERT INTO change_runs (run_id, incident_id, change_id, change, params, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
			r.RunID, r.IncidentID, r.Change.ID, string(ch), string(params), encTime(r.CreatedAt))
		if isForeignKey(err) {
			return fmt.Errorf("no such run: %w", storage.ErrNotFound)
		} else if err != nil {
			return mapErr(err)
		}
		n, err := rowsAffected(res)
		switch {
		case err != nil:
			return err
		case n == 0:
			return fmt.Errorf("linked already: %w", storage.ErrConflict)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("link run %s to a change: %w", r.RunID, err)
	}
	return nil
}

const changeRunCols = `run_id, incident_id, change, params, created_at`

func scanChangeRun(row scanner) (storage.ChangeRun, error) {
	var (
		r          storage.ChangeRun
		ch, params string
	)
	if err := row.Scan(&r.RunID, &r.IncidentID, &ch, &params, timeCol(&r.CreatedAt)); err != nil {
		return r, mapErr(err)
	}
	if err := json.Unmarshal([]byte(ch), &r.Change); err != nil {
		return r, fmt.Errorf("decode stored change: %w", err)
	}
	if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
		return r, fmt.Errorf("decode stored change params: %w", err)
	}
	return r, nil
}

// ChangeRunOf returns the link of a run.
func (q *querier) ChangeRunOf(ctx context.Context, runID string) (storage.ChangeRun, error) {
	return queryOne(ctx, q.read, "change of run "+runID, scanChangeRun,
		`SELECT `+changeRunCols+` FROM change_runs WHERE run_id = ?`, runID)
}

// ListChangeRuns returns an incident's links, oldest first.
func (q *querier) ListChangeRuns(ctx context.Context, incidentID int64) ([]storage.ChangeRun, error) {
	return queryAll(ctx, q.read, "list change runs", nil, scanChangeRun,
		`SELECT `+changeRunCols+` FROM change_runs WHERE incident_id = ? ORDER BY created_at, run_id`, incidentID)
}
