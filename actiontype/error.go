package actiontype

import (
	"context"
	"errors"
	"fmt"
)

// Error is an integration failure, classified. Its text names the system
// and the status, never a secret.
type Error struct {
	// System is the external system ("LaunchDarkly", "Argo CD").
	System string
	// Status is the HTTP status, 0 when there was none (timeout, refused).
	Status int
	// Retryable is true when trying again later may work (429, 5xx,
	// timeouts); false when it cannot (401, 404, 409, a refusal).
	Retryable bool
	// Msg is what went wrong, in the system's words where it gave some.
	Msg string
	// MayHaveRun is true when the request may have reached the system and
	// taken effect although no answer says so (a timeout after the request
	// was sent, a connection cut mid-call). The runner then records the
	// outcome as unknown and asks people to check, instead of reporting a
	// failure that invites a second run.
	MayHaveRun bool
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s answered %d: %s", e.System, e.Status, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.System, e.Msg)
}

// IsRetryable reports whether err is an integration failure that may work
// if tried again.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// IsIndeterminate reports whether err leaves it open whether the action
// took effect: an [*Error] with MayHaveRun, a 504 Gateway Timeout, or a
// deadline or cancellation that cut the call short.
func IsIndeterminate(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.MayHaveRun || e.Status == 504
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}
