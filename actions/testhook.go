package actions

import (
	"context"
	"os"
)

// Test hooks for the fault-injection suite (faults/). They exist only in a
// binary built with -tags tourniquet_testhooks (the suite builds its own);
// in any other build testHooks is false and the compiler drops them. In a
// hooked build, TOURNIQUET_TEST_PAUSE_AT makes the runner stop for good at
// one point of every run and log "test hook: run paused", so that a test
// can SIGKILL the process exactly there:
//
//	claimed  the run is marked running and committed; nothing called yet
//	called   the integration answered; the outcome is not recorded yet
//	stored   the outcome is written in its transaction, not yet committed
//
// A paused run holds its slot (and, at "stored", a database transaction)
// until the process ends.
const EnvTestPauseAt = "TOURNIQUET_TEST_PAUSE_AT"

// Pause points of TOURNIQUET_TEST_PAUSE_AT.
const (
	pauseClaimed = "claimed"
	pauseCalled  = "called"
	pauseStored  = "stored"
)

// testPauseAt is the pause point the environment asks for, or "".
func testPauseAt() string {
	if !testHooks {
		return ""
	}
	switch p := os.Getenv(EnvTestPauseAt); p {
	case pauseClaimed, pauseCalled, pauseStored:
		return p
	}
	return ""
}

// testPause blocks forever when the runner's test hook names point.
func (r *Runner) testPause(ctx context.Context, point, runID string) {
	if !testHooks || r.pauseAt != point {
		return
	}
	r.log.WarnContext(ctx, "test hook: run paused until the process is killed", "at", point, "run", runID)
	select {}
}
