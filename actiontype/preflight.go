package actiontype

import (
	"context"
	"errors"
)

// Preflighter is implemented by an integration that can check, without
// changing anything, that an action would be able to run: its
// credentials are accepted and its target exists (a flag, an application,
// a workflow, a deployment). It is optional; readiness reports an
// integration without it as "not checked".
//
// Preflight must be read-only: HTTP GETs only, with one exception an
// integration documents (Kubernetes' SelfSubjectAccessReview is a POST
// that asks a question and changes nothing). Failures are classified like
// Run's (*Error); req carries the action's params, no RunID.
type Preflighter interface {
	Preflight(ctx context.Context, req Request) error
}

// ErrNoPreflight is what Preflight returns when the integration, as
// configured, has nothing to check (a webhook without a preflight URL):
// readiness shows "not checked", not a failure.
var ErrNoPreflight = errors.New("no preflight is configured for this integration")
