package actions

import "github.com/tourniquet/tourniquet/actiontype"

// The integration contract moved to the leaf package actiontype, so that an
// integration compiles without this package (which imports bot, storage
// and metrics). These names stay so that code written against them (fakes
// in tests, branches in flight) keeps compiling; new code uses actiontype.
// They are not marked Deprecated: staticcheck (SA1019, run in CI) would then
// fail every package that still uses them, in-flight branches included.

// Integration is [actiontype.Integration]; new code uses actiontype.
type Integration = actiontype.Integration

// Request is [actiontype.Request]; new code uses actiontype.
type Request = actiontype.Request

// Result is [actiontype.Result]; new code uses actiontype.
type Result = actiontype.Result

// Error is [actiontype.Error]; new code uses actiontype.
type Error = actiontype.Error

// IsRetryable is [actiontype.IsRetryable]; new code uses actiontype.
func IsRetryable(err error) bool { return actiontype.IsRetryable(err) }

// IsIndeterminate is [actiontype.IsIndeterminate]; new code uses
// actiontype.
func IsIndeterminate(err error) bool { return actiontype.IsIndeterminate(err) }
