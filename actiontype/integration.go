package actiontype

import (
	"context"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Integration is the one thing the action runner needs from an external
// system: do it, once. Packages under integrations/ return concrete types
// that satisfy it; cmd/internal/app builds one per configured integration.
type Integration interface {
	// Run performs the action. It is called at most once per run; req.RunID
	// is the idempotency key to pass where the API has a place for it.
	Run(ctx context.Context, req Request) (Result, error)
}

// Request is one call of an integration.
type Request struct {
	// RunID identifies the run; use it as the idempotency key.
	RunID       string
	IncidentKey string
	ActionID    string
	ActionTitle string
	Actor       incident.Actor
	// Params are the action's configured parameters.
	Params map[string]string
	// Undo asks for the inverse operation (turn the flag back on).
	Undo bool
	// At is when the run started.
	At time.Time
}

// Result is what an integration reports on success.
type Result struct {
	// Summary says what happened, for the timeline ("flag new-checkout
	// turned off in production").
	Summary string
	// URL links to the change in the external system, if there is one.
	URL string
	// Output is captured output (exec), already truncated and redacted.
	Output string
}
