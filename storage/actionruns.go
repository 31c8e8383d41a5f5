package storage

import (
	"context"
	"slices"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// ActionRunStatus is where a run of a mitigation action is in its life:
//
//	requested → (awaiting_approval →) requested → running → succeeded | failed | unknown
//
// with cancelled possible before running. A requested run waits for a
// runner (any replica) to claim it; running means a runner committed the
// claim and is calling (or called) the external system; unknown means the
// runner lost track of it (its lease ran out, the call timed out) and a
// person must say whether it took effect.
type ActionRunStatus string

// Run statuses.
const (
	RunRequested        ActionRunStatus = "requested"
	RunAwaitingApproval ActionRunStatus = "awaiting_approval"
	RunRunning          ActionRunStatus = "running"
	RunSucceeded        ActionRunStatus = "succeeded"
	RunFailed           ActionRunStatus = "failed"
	RunUnknown          ActionRunStatus = "unknown"
	RunCancelled        ActionRunStatus = "cancelled"
)

// ActiveRunStatuses are the statuses of a run that is not over. At most one
// run per (incident, action) is in one of them: a unique index refuses a
// second.
var ActiveRunStatuses = []ActionRunStatus{RunRequested, RunAwaitingApproval, RunRunning}

// Active reports whether a run in status s is not over.
func (s ActionRunStatus) Active() bool { return slices.Contains(ActiveRunStatuses, s) }

// ActionRun is one attempt to run a configured action on an incident. Its ID
// is the idempotency key passed to the external system.
type ActionRun struct {
	// ID is chosen by the caller (a UUID); it is the idempotency key.
	ID         string
	IncidentID int64
	// ActionID names the action in the catalog; Title, Kind and
	// Integration are copied from it when the run is requested.
	ActionID    string
	Title       string
	Kind        string
	Integration string
	// Undo asks the integration for the inverse operation.
	Undo   bool
	Status ActionRunStatus
	// Source is how it was requested (typed, button).
	Source      incident.Source
	RequestedBy incident.Actor
	RequestedAt time.Time
	ApprovedBy  incident.Actor
	ApprovedAt  *time.Time
	// StartedAt is when a runner claimed it; LeaseUntil is when, if still
	// running, it is presumed lost and becomes unknown.
	StartedAt  *time.Time
	LeaseUntil *time.Time
	FinishedAt *time.Time
	// VerifiedBy said whether an unknown run took effect.
	VerifiedBy  incident.Actor
	VerifiedAt  *time.Time
	CancelledBy incident.Actor
	// Summary and URL describe a success; Error a failure or why the
	// outcome is unknown; Output is captured output (redacted).
	Summary string
	URL     string
	Error   string
	Output  string
	// AgainOf is the run this one repeats ("Run again"), if any.
	AgainOf   string
	UpdatedAt time.Time
}

// ActionRunStore keeps action runs. The claim of a run is a unique
// constraint: at most one active run per (incident, action).
type ActionRunStore interface {
	// CreateActionRun inserts r. It returns ErrConflict when the incident
	// has an active run of r.ActionID already (concurrent creates: one
	// wins, the others get ErrConflict without aborting their
	// transaction), ErrNotFound when there is no incident r.IncidentID.
	CreateActionRun(ctx context.Context, r *ActionRun) error
	// GetActionRun returns one run; ErrNotFound if none.
	GetActionRun(ctx context.Context, id string) (ActionRun, error)
	// ActiveActionRun returns the active run of an action on an incident;
	// ErrNotFound if none.
	ActiveActionRun(ctx context.Context, incidentID int64, actionID string) (ActionRun, error)
	// LatestActionRun returns the most recently requested run of an action
	// on an incident, whatever its status; ErrNotFound if none.
	LatestActionRun(ctx context.Context, incidentID int64, actionID string) (ActionRun, error)
	// ListActionRuns returns an incident's runs, oldest request first.
	ListActionRuns(ctx context.Context, incidentID int64) ([]ActionRun, error)
	// UpdateActionRun saves every field of r but ID, IncidentID, ActionID
	// and RequestedAt, provided the stored run is in one of from. It
	// returns ErrConflict when it is not (someone moved it on first) and
	// ErrNotFound when there is no such run.
	UpdateActionRun(ctx context.Context, r *ActionRun, from ...ActionRunStatus) error
	// ClaimRequestedActionRuns returns up to limit requested runs, oldest
	// first, and locks each and its incident until the transaction ends;
	// rows another transaction holds are skipped (Postgres FOR UPDATE
	// SKIP LOCKED; SQLite has one writer). Use it inside InTx.
	ClaimRequestedActionRuns(ctx context.Context, limit int) ([]ActionRun, error)
	// ClaimExpiredActionRuns is ClaimRequestedActionRuns for running runs
	// whose lease ended at or before now.
	ClaimExpiredActionRuns(ctx context.Context, now time.Time, limit int) ([]ActionRun, error)
}
