package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ProbeStatus is what an impact probe last concluded about an incident.
type ProbeStatus string

// Probe statuses.
const (
	// ProbePending: not evaluated yet.
	ProbePending ProbeStatus = "pending"
	// ProbeImpacting: the signal has breached its threshold for at least
	// the probe's "for".
	ProbeImpacting ProbeStatus = "impacting"
	// ProbeClear: the signal is within its threshold.
	ProbeClear ProbeStatus = "clear"
	// ProbeUnknown: the probe could not tell (unreachable, a bad answer,
	// a timeout).
	ProbeUnknown ProbeStatus = "unknown"
)

// Marks of a probe state (ProbeState.Marks): what the probe has already
// said or done about the incident, so it says it once.
const (
	// MarkMitigation is the mitigation the marks below refer to (the end
	// of the last impact window); a new mitigation clears them.
	MarkMitigation = "mitigation"
	// MarkVerified: the probe stayed clear for its hold after it.
	MarkVerified = "verified"
	// MarkChallenged: the probe disagreed with it in the channel.
	MarkChallenged = "challenged"
	// MarkOverruled: a person said the probe is wrong about the
	// mitigation; it no longer challenges it.
	MarkOverruled = "overruled"
	// MarkRegressionAsked: "Impact is back?" was asked.
	MarkRegressionAsked = "regression_asked"
	// MarkUnrelated: a person said the breach "Impact is back?" asked
	// about is not related; the probe asks again only after it clears.
	MarkUnrelated = "unrelated"
	// MarkLookback: the look back before the declaration was done.
	MarkLookback = "lookback"
)

// ProbeState is one impact probe's view of one open incident: its status,
// last value and schedule. (IncidentID, ProbeID) is unique. Every replica
// claims due ones (ClaimDueProbes) with a lease, so that N replicas
// evaluate each once per interval.
type ProbeState struct {
	ID         int64
	IncidentID int64
	ProbeID    string
	Status     ProbeStatus
	// Value is the last value read; nil when the probe could not tell.
	Value *float64
	// Message says why the probe could not tell, or what a synthetic
	// check saw; it never holds a secret.
	Message string
	// BreachSince is when the current breach began (nil: none), which
	// the probe's "for" counts from.
	BreachSince *time.Time
	// StatusSince is when Status was entered.
	StatusSince time.Time
	NextDueAt   time.Time
	// LeaseUntil is how long the last claim holds the probe; it is due
	// again only once the lease has passed.
	LeaseUntil time.Time
	// Claims counts the claims: an evaluation is saved only if nobody
	// claimed the probe since (UpdateProbeState).
	Claims      int64
	EvaluatedAt *time.Time
	// Marks are the Mark* times.
	Marks     map[string]time.Time
	UpdatedAt time.Time
}

// ProbeSample is one value a probe read, for the report's chart.
type ProbeSample struct {
	IncidentID int64
	ProbeID    string
	At         time.Time
	// Value is nil when the probe could not tell.
	Value  *float64
	Status ProbeStatus
}

// ProbeStore keeps the impact probes' states and samples.
type ProbeStore interface {
	// EnsureProbeState inserts s (setting its ID) unless the incident has
	// a state for the probe already, which it leaves as is; either way it
	// returns no error for an existing one.
	EnsureProbeState(ctx context.Context, s *ProbeState) error
	// ClaimDueProbes leases up to limit probe states of open incidents
	// that are due at now and not leased, earliest first: each has Claims
	// incremented and LeaseUntil set to until. Rows another transaction
	// holds are skipped (Postgres FOR UPDATE SKIP LOCKED; SQLite has one
	// writer). Run it on its own, not inside a long transaction: the
	// lease, not a lock, keeps other replicas away while it evaluates.
	ClaimDueProbes(ctx context.Context, now, until time.Time, limit int) ([]ProbeState, error)
	// UpdateProbeState saves every field of s but ID, IncidentID, ProbeID
	// and Claims, provided that the stored Claims still equals s.Claims;
	// ErrConflict when another claim came in between, ErrNotFound when
	// there is no such state.
	UpdateProbeState(ctx context.Context, s *ProbeState) error
	// ListProbeStates returns an incident's probe states in ID order.
	ListProbeStates(ctx context.Context, incidentID int64) ([]ProbeState, error)
	// NextProbeDue returns the earliest time a probe state of an open
	// incident becomes claimable; ErrNotFound when there is none.
	NextProbeDue(ctx context.Context) (time.Time, error)
	// AddProbeSample stores a sample and deletes the oldest of its
	// (incident, probe) beyond the newest keep, so the table stays bounded.
	AddProbeSample(ctx context.Context, s ProbeSample, keep int) error
	// ListProbeSamples returns an incident's samples, oldest first.
	ListProbeSamples(ctx context.Context, incidentID int64) ([]ProbeSample, error)
}

// EncodeProbeMarks is the stored form of ProbeState.Marks in both
// dialects: a JSON object of mark → RFC 3339 time.
func EncodeProbeMarks(m map[string]time.Time) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode probe marks: %w", err)
	}
	return string(b), nil
}

// DecodeProbeMarks reads what EncodeProbeMarks wrote; never nil.
func DecodeProbeMarks(s string) (map[string]time.Time, error) {
	m := map[string]time.Time{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode probe marks: %w", err)
	}
	for k, t := range m {
		m[k] = t.UTC()
	}
	return m, nil
}
