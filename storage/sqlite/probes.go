package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

const probeStateColumns = `id, incident_id, probe_id, status, value, message, breach_since, status_since,
	next_due_at, lease_until, claims, evaluated_at, marks, updated_at`

func scanProbeState(r scanner) (storage.ProbeState, error) {
	var (
		s      storage.ProbeState
		status string
		value  sql.NullFloat64
		marks  string
	)
	err := r.Scan(&s.ID, &s.IncidentID, &s.ProbeID, &status, &value, &s.Message, timePtrCol(&s.BreachSince),
		timeCol(&s.StatusSince), timeCol(&s.NextDueAt), timeCol(&s.LeaseUntil), &s.Claims,
		timePtrCol(&s.EvaluatedAt), &marks, timeCol(&s.UpdatedAt))
	if err != nil {
		return s, mapErr(err)
	}
	s.Status = storage.ProbeStatus(status)
	if value.Valid {
		v := value.Float64
		s.Value = &v
	}
	s.Marks, err = storage.DecodeProbeMarks(marks)
	return s, err
}

func nullFloat(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// EnsureProbeState inserts s unless the incident has a state for the
// probe already.
func (q *querier) EnsureProbeState(ctx context.Context, s *storage.ProbeState) error {
	marks, err := storage.EncodeProbeMarks(s.Marks)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("ensure probe %s of incident %d", s.ProbeID, s.IncidentID)
	return q.write(ctx, func(w *querier) error {
		_, err := w.tx.ExecContext(ctx, `INSERT INTO probe_states
			(incident_id, probe_id, status, value, message, breach_since, status_since, next_due_at, lease_until,
			 claims, evaluated_at, marks, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (incident_id, probe_id) DO NOTHING`,
			s.IncidentID, s.ProbeID, string(s.Status), nullFloat(s.Value), s.Message, encTimePtr(s.BreachSince),
			encTime(s.StatusSince), encTime(s.NextDueAt), encTime(s.LeaseUntil), s.Claims, encTimePtr(s.EvaluatedAt),
			marks, encTime(s.UpdatedAt))
		if isForeignKey(err) {
			return fmt.Errorf("%s: no such incident: %w", what, storage.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, mapErr(err))
		}
		return mapErr(w.tx.QueryRowContext(ctx, `SELECT id FROM probe_states WHERE incident_id = ? AND probe_id = ?`,
			s.IncidentID, s.ProbeID).Scan(&s.ID))
	})
}

// ClaimDueProbes leases up to limit due probe states of open incidents.
// The writer's single transaction makes the claim exclusive.
func (q *querier) ClaimDueProbes(ctx context.Context, now, until time.Time, limit int) ([]storage.ProbeState, error) {
	return claimRows(ctx, q, "claim due probes", limit, scanProbeState, claimDueProbesSQL, encTime(until), encTime(now), encTime(now), limit)
}

// claimDueProbesSQL walks probe_states_due_idx in due order, checking each
// row's incident by primary key. (Joined with incidents, the planner,
// without statistics, drove the query from every open incident and sorted
// all their probes on every claim.)
const claimDueProbesSQL = `UPDATE probe_states
	SET claims = claims + 1, lease_until = ?
	WHERE id IN (SELECT p.id FROM probe_states p
		WHERE p.next_due_at <= ? AND p.lease_until <= ?
		  AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = p.incident_id AND i.state = 'open')
		ORDER BY p.next_due_at, p.id LIMIT ?)
	RETURNING ` + probeStateColumns

// UpdateProbeState saves s if nobody claimed it since s was read.
func (q *querier) UpdateProbeState(ctx context.Context, s *storage.ProbeState) error {
	marks, err := storage.EncodeProbeMarks(s.Marks)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("update probe %s of incident %d", s.ProbeID, s.IncidentID)
	return q.writeDB(ctx, func(db dbtx) error {
		n, err := exec(ctx, db, `UPDATE probe_states SET status = ?, value = ?, message = ?, breach_since = ?,
			status_since = ?, next_due_at = ?, lease_until = ?, evaluated_at = ?, marks = ?, updated_at = ?
			WHERE id = ? AND claims = ?`,
			string(s.Status), nullFloat(s.Value), s.Message, encTimePtr(s.BreachSince), encTime(s.StatusSince),
			encTime(s.NextDueAt), encTime(s.LeaseUntil), encTimePtr(s.EvaluatedAt), marks, encTime(s.UpdatedAt),
			s.ID, s.Claims)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if n == 1 {
			return nil
		}
		var exists int
		err = db.QueryRowContext(ctx, `SELECT count(*) FROM probe_states WHERE id = ?`, s.ID).Scan(&exists)
		switch {
		case err != nil:
			return fmt.Errorf("%s: %w", what, mapErr(err))
		case exists == 0:
			return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
		}
		return fmt.Errorf("%s: claimed again since: %w", what, storage.ErrConflict)
	})
}

// ListProbeStates returns an incident's probe states in ID order.
func (q *querier) ListProbeStates(ctx context.Context, incidentID int64) ([]storage.ProbeState, error) {
	return queryAll(ctx, q.read, fmt.Sprintf("list probes of incident %d", incidentID), []storage.ProbeState{}, scanProbeState,
		`SELECT `+probeStateColumns+` FROM probe_states WHERE incident_id = ? ORDER BY id`, incidentID)
}

// NextProbeDue returns when the earliest probe state of an open incident
// becomes claimable.
func (q *querier) NextProbeDue(ctx context.Context) (time.Time, error) {
	var (
		best  time.Time
		found bool
	)
	err := q.read(ctx, func(db dbtx) error {
		rows, err := db.QueryContext(ctx, nextProbeDueSQL)
		if err != nil {
			return mapErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var nextS, leaseS string
			if err := rows.Scan(&nextS, &leaseS); err != nil {
				return mapErr(err)
			}
			next, err := decTime(nextS)
			if err != nil {
				return err
			}
			// Every later row is due no earlier than this one, so none is
			// claimable before best.
			if found && !next.Before(best) {
				return nil
			}
			lease, err := decTime(leaseS)
			if err != nil {
				return err
			}
			claimable := next
			if lease.After(next) {
				claimable = lease // leased: claimable when the lease ends
			}
			if !found || claimable.Before(best) {
				best, found = claimable, true
			}
		}
		return mapErr(rows.Err())
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("next probe due: %w", err)
	}
	if !found {
		return time.Time{}, fmt.Errorf("next probe due: none: %w", storage.ErrNotFound)
	}
	return best, nil
}

// nextProbeDueSQL lists the probe states of open incidents in due order,
// walking probe_states_due_idx: NextProbeDue stops at the first row due no
// earlier than the earliest claimable time seen (a leased state is
// claimable when its lease ends), which is the first row unless states
// are leased. (A min() over every state of every open incident, each
// sweep, was 40% of the worker's CPU at 1,000 incidents.)
const nextProbeDueSQL = `SELECT p.next_due_at, p.lease_until FROM probe_states p
	WHERE EXISTS (SELECT 1 FROM incidents i WHERE i.id = p.incident_id AND i.state = 'open')
	ORDER BY p.next_due_at, p.id`

// AddProbeSample stores s and keeps the newest keep of its (incident, probe).
func (q *querier) AddProbeSample(ctx context.Context, s storage.ProbeSample, keep int) error {
	what := fmt.Sprintf("add sample of probe %s of incident %d", s.ProbeID, s.IncidentID)
	return q.writeDB(ctx, func(db dbtx) error {
		if _, err := db.ExecContext(ctx, `INSERT INTO probe_samples (incident_id, probe_id, at, value, status) VALUES (?,?,?,?,?)`,
			s.IncidentID, s.ProbeID, encTime(s.At), nullFloat(s.Value), string(s.Status)); err != nil {
			if isForeignKey(err) {
				return fmt.Errorf("%s: no such incident: %w", what, storage.ErrNotFound)
			}
			return fmt.Errorf("%s: %w", what, mapErr(err))
		}
		if _, err := exec(ctx, db, `DELETE FROM probe_samples WHERE incident_id = ? AND probe_id = ? AND id NOT IN (
			SELECT id FROM probe_samples WHERE incident_id = ? AND probe_id = ? ORDER BY at DESC, id DESC LIMIT ?)`,
			s.IncidentID, s.ProbeID, s.IncidentID, s.ProbeID, max(keep, 1)); err != nil {
			return fmt.Errorf("%s: prune: %w", what, err)
		}
		return nil
	})
}

func scanProbeSample(r scanner) (storage.ProbeSample, error) {
	var (
		s      storage.ProbeSample
		value  sql.NullFloat64
		status string
	)
	if err := r.Scan(&s.IncidentID, &s.ProbeID, timeCol(&s.At), &value, &status); err != nil {
		return s, mapErr(err)
	}
	if value.Valid {
		v := value.Float64
		s.Value = &v
	}
	s.Status = storage.ProbeStatus(status)
	return s, nil
}

// ListProbeSamples returns an incident's samples, oldest first.
func (q *querier) ListProbeSamples(ctx context.Context, incidentID int64) ([]storage.ProbeSample, error) {
	return queryAll(ctx, q.read, fmt.Sprintf("list probe samples of incident %d", incidentID), []storage.ProbeSample{}, scanProbeSample,
		`SELECT incident_id, probe_id, at, value, status FROM probe_samples WHERE incident_id = ? ORDER BY at, id`, incidentID)
}
