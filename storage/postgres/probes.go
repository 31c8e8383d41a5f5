package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/storage"
)

const probeStateCols = `p.id, p.incident_id, p.probe_id, p.status, p.value, p.message, p.breach_since, p.status_since,
	p.next_due_at, p.lease_until, p.claims, p.evaluated_at, p.marks::text, p.updated_at`

func scanProbeState(row pgx.Row) (storage.ProbeState, error) {
	var (
		s      storage.ProbeState
		status string
		marks  string
	)
	err := row.Scan(&s.ID, &s.IncidentID, &s.ProbeID, &status, &s.Value, &s.Message, &s.BreachSince,
		&s.StatusSince, &s.NextDueAt, &s.LeaseUntil, &s.Claims, &s.EvaluatedAt, &marks, &s.UpdatedAt)
	if err != nil {
		return s, err
	}
	s.Status = storage.ProbeStatus(status)
	s.BreachSince, s.EvaluatedAt = utcPtr(s.BreachSince), utcPtr(s.EvaluatedAt)
	s.StatusSince, s.NextDueAt, s.LeaseUntil, s.UpdatedAt = s.StatusSince.UTC(), s.NextDueAt.UTC(), s.LeaseUntil.UTC(), s.UpdatedAt.UTC()
	s.Marks, err = storage.DecodeProbeMarks(marks)
	return s, err
}

// EnsureProbeState inserts s unless the incident has a state for the
// probe already.
func (q querier) EnsureProbeState(ctx context.Context, s *storage.ProbeState) error {
	marks, err := storage.EncodeProbeMarks(s.Marks)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("ensure probe %s of incident %d", s.ProbeID, s.IncidentID)
	// ON CONFLICT DO NOTHING: an existing state must not abort the
	// caller's transaction; the select then finds it.
	_, err = q.db.Exec(ctx, `INSERT INTO probe_states
		(incident_id, probe_id, status, value, message, breach_since, status_since, next_due_at, lease_until,
		 claims, evaluated_at, marks, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12::jsonb,$13) ON CONFLICT (incident_id, probe_id) DO NOTHING`,
		s.IncidentID, s.ProbeID, string(s.Status), s.Value, s.Message, s.BreachSince, s.StatusSince, s.NextDueAt,
		s.LeaseUntil, s.Claims, s.EvaluatedAt, marks, s.UpdatedAt)
	if isForeignKey(err) {
		return fmt.Errorf("%s: no such incident: %w", what, storage.ErrNotFound)
	}
	if err != nil {
		return mapErr(what, err)
	}
	return mapErr(what, q.db.QueryRow(ctx, `SELECT id FROM probe_states WHERE incident_id = $1 AND probe_id = $2`,
		s.IncidentID, s.ProbeID).Scan(&s.ID))
}

// claimDueProbesSQL leases due probe states of open incidents. SKIP
// LOCKED passes over rows another replica is claiming; the lease, not the
// lock, then keeps them away while this replica evaluates.
const claimDueProbesSQL = `UPDATE probe_states p SET claims = p.claims + 1, lease_until = $2
	WHERE p.id IN (SELECT s.id FROM probe_states s JOIN incidents i ON i.id = s.incident_id
		WHERE s.next_due_at <= $1 AND s.lease_until <= $1 AND i.state = 'open'
		ORDER BY s.next_due_at, s.id LIMIT $3
		FOR UPDATE OF s SKIP LOCKED)
	RETURNING ` + probeStateCols

// ClaimDueProbes leases up to limit due probe states of open incidents.
func (q querier) ClaimDueProbes(ctx context.Context, now, until time.Time, limit int) ([]storage.ProbeState, error) {
	return claimRows(ctx, q.db, "claim due probes", limit, scanProbeState, claimDueProbesSQL, now, until, limit)
}

// UpdateProbeState saves s if nobody claimed it since s was read.
func (q querier) UpdateProbeState(ctx context.Context, s *storage.ProbeState) error {
	marks, err := storage.EncodeProbeMarks(s.Marks)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("update probe %s of incident %d", s.ProbeID, s.IncidentID)
	tag, err := q.db.Exec(ctx, `UPDATE probe_states SET status = $3, value = $4, message = $5, breach_since = $6,
		status_since = $7, next_due_at = $8, lease_until = $9, evaluated_at = $10, marks = $11::jsonb, updated_at = $12
		WHERE id = $1 AND claims = $2`,
		s.ID, s.Claims, string(s.Status), s.Value, s.Message, s.BreachSince, s.StatusSince, s.NextDueAt,
		s.LeaseUntil, s.EvaluatedAt, marks, s.UpdatedAt)
	if err != nil {
		return mapErr(what, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM probe_states WHERE id = $1)`, s.ID).Scan(&exists); err != nil {
		return mapErr(what, err)
	}
	if !exists {
		return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
	}
	return fmt.Errorf("%s: claimed again since: %w", what, storage.ErrConflict)
}

// ListProbeStates returns an incident's probe states in ID order.
func (q querier) ListProbeStates(ctx context.Context, incidentID int64) ([]storage.ProbeState, error) {
	return queryRows(ctx, q.db, fmt.Sprintf("list probes of incident %d", incidentID), []storage.ProbeState{}, scanProbeState,
		`SELECT `+probeStateCols+` FROM probe_states p WHERE p.incident_id = $1 ORDER BY p.id`, incidentID)
}

// NextProbeDue returns when the earliest probe state of an open incident
// becomes claimable.
func (q querier) NextProbeDue(ctx context.Context) (time.Time, error) {
	var due *time.Time
	if err := q.db.QueryRow(ctx, `SELECT min(greatest(p.next_due_at, p.lease_until)) FROM probe_states p
		JOIN incidents i ON i.id = p.incident_id WHERE i.state = 'open'`).Scan(&due); err != nil {
		return time.Time{}, mapErr("next probe due", err)
	}
	if due == nil {
		return time.Time{}, fmt.Errorf("next probe due: none: %w", storage.ErrNotFound)
	}
	return due.UTC(), nil
}

// AddProbeSample stores s and keeps the newest keep of its (incident, probe).
func (q querier) AddProbeSample(ctx context.Context, s storage.ProbeSample, keep int) error {
	what := fmt.Sprintf("add sample of probe %s of incident %d", s.ProbeID, s.IncidentID)
	_, err := q.db.Exec(ctx, `INSERT INTO probe_samples (incident_id, probe_id, at, value, status) VALUES ($1,$2,$3,$4,$5)`,
		s.IncidentID, s.ProbeID, s.At, s.Value, string(s.Status))
	if isForeignKey(err) {
		return fmt.Errorf("%s: no such incident: %w", what, storage.ErrNotFound)
	}
	if err != nil {
		return mapErr(what, err)
	}
	_, err = q.db.Exec(ctx, `DELETE FROM probe_samples WHERE incident_id = $1 AND probe_id = $2 AND id NOT IN (
		SELECT id FROM probe_samples WHERE incident_id = $1 AND probe_id = $2 ORDER BY at DESC, id DESC LIMIT $3)`,
		s.IncidentID, s.ProbeID, max(keep, 1))
	return mapErr(what+": prune", err)
}

func scanProbeSample(row pgx.Row) (storage.ProbeSample, error) {
	var (
		s      storage.ProbeSample
		status string
	)
	if err := row.Scan(&s.IncidentID, &s.ProbeID, &s.At, &s.Value, &status); err != nil {
		return s, err
	}
	s.At, s.Status = s.At.UTC(), storage.ProbeStatus(status)
	return s, nil
}

// ListProbeSamples returns an incident's samples, oldest first.
func (q querier) ListProbeSamples(ctx context.Context, incidentID int64) ([]storage.ProbeSample, error) {
	return queryRows(ctx, q.db, fmt.Sprintf("list probe samples of incident %d", incidentID), []storage.ProbeSample{}, scanProbeSample,
		`SELECT incident_id, probe_id, at, value, status FROM probe_samples WHERE incident_id = $1 ORDER BY at, id`, incidentID)
}
