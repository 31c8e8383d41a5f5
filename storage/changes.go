package storage

import (
	"context"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// ChangeFilter selects changes. Zero fields do not filter.
type ChangeFilter struct {
	// Services keeps changes to any of them (names as stored: lower-case).
	Services []string
	// From and To bound the change's At: From inclusive, To exclusive.
	From time.Time
	To   time.Time
	// Limit caps the page (0: no cap).
	Limit int
}

// ChangeRun links an action run to the change it undoes: the run was
// requested from the change's undo button, with Params rendered from the
// change. Change is a copy of the change as it was, so the report still
// tells the story after the change itself is pruned.
type ChangeRun struct {
	RunID      string
	IncidentID int64
	Change     incident.Change
	// Params are the change's parameters, laid over the action's own.
	Params    map[string]string
	CreatedAt time.Time
}

// ChangeStore keeps the feed of changes shipped to services, and which
// action runs undid which change.
type ChangeStore interface {
	// RecordChange inserts c and sets its ID. A change whose Source and
	// non-empty ExternalID were recorded before (a redelivered webhook) is
	// not inserted again: c is set to the stored one and false returned.
	RecordChange(ctx context.Context, c *incident.Change) (bool, error)
	// GetChange returns one change; ErrNotFound if none.
	GetChange(ctx context.Context, id int64) (incident.Change, error)
	// ListChanges returns the changes matching f, newest first (by At,
	// then ID).
	ListChanges(ctx context.Context, f ChangeFilter) ([]incident.Change, error)
	// PruneChanges deletes up to limit changes that shipped before the
	// given time, oldest first, and says how many.
	PruneChanges(ctx context.Context, before time.Time, limit int) (int, error)
	// LinkChangeRun records that run r.RunID undoes r.Change. It is
	// ErrNotFound when there is no such run, ErrConflict when the run is
	// linked already.
	LinkChangeRun(ctx context.Context, r ChangeRun) error
	// ChangeRunOf returns the link of a run; ErrNotFound if it undoes no
	// change.
	ChangeRunOf(ctx context.Context, runID string) (ChangeRun, error)
	// ListChangeRuns returns an incident's links, oldest first.
	ListChangeRuns(ctx context.Context, incidentID int64) ([]ChangeRun, error)
}
