package actiontype

import "context"

// Verifier is implemented by an integration that can observe whether an
// action it ran took effect: the flag is off in the environment, the
// Argo CD application is Synced and Healthy at the previous revision, the
// rollout is complete, the workflow run concluded success. The runner
// calls Verify after Run succeeded, again and again with a backoff, until
// it reports Effective or the verification's time is up; "succeeded" then
// means more than "the API answered 2xx". It is optional: an integration
// that cannot observe its effect does not implement it.
type Verifier interface {
	// Verify looks once. req is the request Run was given, res what it
	// answered. An error the integration classifies as not retryable
	// (a 401, a 404) ends the verification; any other is looked at again.
	Verify(ctx context.Context, req Request, res Result) (Effect, error)
}

// Effect is what one look saw.
type Effect struct {
	// Effective is true when the system is in the state the action meant.
	// False may be a state still moving (Argo CD Progressing, a flag
	// service's cache answering the old state): the runner looks again
	// until its time is up.
	Effective bool
	// Seen says what was observed, for the timeline: "Synced and Healthy
	// at revision 1a2b3c4", "flag new-checkout is on in production".
	Seen string
	// Final, with Effective false, says the state will not change any
	// more (the workflow run concluded failure): the runner stops looking
	// and records the action as ineffective at once.
	Final bool
}
