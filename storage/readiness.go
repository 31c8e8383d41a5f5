package storage

import (
	"context"
	"time"
)

// FailForwardDeadline is a fail-forward decision taken with a deadline:
// when DueAt passes with impact still ongoing, the bot asks again.
type FailForwardDeadline struct {
	ID         int64
	IncidentID int64
	// EventID is the fail_forward event that took the decision; an event
	// has at most one deadline.
	EventID   int64
	DecidedAt time.Time
	DueAt     time.Time
	// FiredAt is when a sweeper handled it (nil: not yet); Outcome is what
	// it found ("asked": impact was ongoing and the bot asked again;
	// "held": impact was mitigated by then; "resolved").
	FiredAt *time.Time
	Outcome string
}

// Drill marks an incident as a drill: a rehearsal of a service's safe
// moves against drill targets, left out of reports and metrics.
type Drill struct {
	IncidentID int64
	Service    string
	Scenario   string
	StartedAt  time.Time
	// GradedAt and Grade are set at resolution; Grade is the grade as
	// JSON (the drills feature owns its shape).
	GradedAt *time.Time
	Grade    []byte
}

// PreflightResult is the latest read-only check of one action's
// integration (credentials, target, reachability).
type PreflightResult struct {
	ActionID    string
	Integration string
	CheckedAt   time.Time
	OK          bool
	// Detail says what failed, redacted; "" when OK.
	Detail string
}

// LastActionRun is when an action last succeeded for real (drills left
// out).
type LastActionRun struct {
	ActionID string
	At       time.Time
}

// ReadinessStore keeps what mitigation readiness and drills need: the
// fail-forward deadlines, the drills, the preflight results and the
// schedule of periodic jobs.
type ReadinessStore interface {
	// AddFailForwardDeadline inserts d and sets its ID; ErrConflict when
	// its event has one already, ErrNotFound when there is no incident.
	AddFailForwardDeadline(ctx context.Context, d *FailForwardDeadline) error
	// ClaimDueFailForwardDeadlines returns up to limit unfired deadlines
	// due at now, earliest first, and locks them until the transaction
	// ends; rows another transaction holds are skipped (Postgres FOR
	// UPDATE SKIP LOCKED; SQLite has one writer). Use it inside InTx.
	ClaimDueFailForwardDeadlines(ctx context.Context, now time.Time, limit int) ([]FailForwardDeadline, error)
	// FireFailForwardDeadline marks a deadline handled; ErrConflict when it
	// was already, ErrNotFound when there is none.
	FireFailForwardDeadline(ctx context.Context, id int64, at time.Time, outcome string) error
	// ListFailForwardDeadlines returns an incident's deadlines in ID order.
	ListFailForwardDeadlines(ctx context.Context, incidentID int64) ([]FailForwardDeadline, error)

	// CreateDrill marks an incident as a drill; ErrConflict when it is
	// one already.
	CreateDrill(ctx context.Context, d Drill) error
	// GetDrill returns the drill of an incident; ErrNotFound when the
	// incident is no drill.
	GetDrill(ctx context.Context, incidentID int64) (Drill, error)
	// GradeDrill stores a drill's grade; ErrNotFound when the incident is
	// no drill.
	GradeDrill(ctx context.Context, incidentID int64, at time.Time, grade []byte) error
	// ListDrills returns every drill, newest first.
	ListDrills(ctx context.Context) ([]Drill, error)

	// SavePreflightResult stores r as the latest result of its action.
	SavePreflightResult(ctx context.Context, r PreflightResult) error
	// ListPreflightResults returns the latest result of every action, by
	// action ID.
	ListPreflightResults(ctx context.Context) ([]PreflightResult, error)
	// LastActionRuns returns, per action, when it last succeeded outside a
	// drill.
	LastActionRuns(ctx context.Context) ([]LastActionRun, error)

	// ClaimScheduledRun claims the run of the periodic job name due at now:
	// true when this caller won it (the job is then next due at next),
	// false when it is not due or another replica claimed it. A job never
	// seen before is due at once.
	ClaimScheduledRun(ctx context.Context, name string, now, next time.Time) (bool, error)
}
