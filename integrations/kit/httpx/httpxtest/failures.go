package httpxtest

import (
	"slices"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

// Failures is the standard failure test of one integration, run against
// its own fake: every [StatusCases] answer at every step of a run, then a
// server that never answers. Each failure must be classified right, name
// the system and the status, show the fake's own words and hold none of
// Secrets.
type Failures struct {
	// System names the integration in its errors ("Argo CD").
	System string
	// Secrets must appear in no error, in any form.
	Secrets []string
	// Steps are the calls of a run, as the fake names them ("GET",
	// "PATCH"); each case fails at each step in turn. None means the run
	// makes one call.
	Steps []string
	// Want are the fake's words every error answer must show;
	// WantByStatus adds words for some statuses.
	Want         []string
	WantByStatus map[int][]string
	// HungMayHaveRun is whether a run whose first call gets no answer may
	// have changed something (its first call is a write): its error must
	// be marked MayHaveRun and say so.
	HungMayHaveRun bool
	// Try runs the action against a new fake that behaves as f says,
	// through a client built with f.Options, and returns the run's error.
	// It may check more (that nothing was written after a failed read).
	Try func(t *testing.T, f Fault) error
}

// Fault is how the fake misbehaves in one case of [Failures].
type Fault struct {
	// Step is the call that fails: one of Failures.Steps, or "" (Steps is
	// empty, or Hang).
	Step string
	// Answer is the error the fake answers at Step; nil when Hang.
	Answer *Case
	// Hang is true when no call gets an answer (see [Hang]).
	Hang bool
	// Options build the client (a short timeout when Hang).
	Options []httpx.Option
}

// Run runs every case as a subtest: "<step> <case>" ("<case>" without
// steps), then "timeout".
func (f Failures) Run(t *testing.T) {
	t.Helper()
	steps := f.Steps
	if len(steps) == 0 {
		steps = []string{""}
	}
	for _, step := range steps {
		for _, c := range StatusCases() {
			name := strings.TrimSpace(step + " " + c.Name)
			t.Run(name, func(t *testing.T) {
				err := f.Try(t, Fault{Step: step, Answer: &c})
				want := slices.Concat(c.Want, f.Want, f.WantByStatus[c.Status])
				AssertFailure(t, err, f.System, c.Status, c.Retryable, f.Secrets, want...)
			})
		}
	}
	t.Run("timeout", func(t *testing.T) {
		err := f.Try(t, Fault{Hang: true, Options: []httpx.Option{httpx.WithTimeout(HangTimeout)}})
		e := AssertFailure(t, err, f.System, 0, true, f.Secrets, "timed out")
		AssertMayHaveRun(t, err, f.HungMayHaveRun)
		if says := strings.Contains(e.Msg, "may or may not have been made"); says != f.HungMayHaveRun {
			t.Errorf("the message says the change may have been made: %v, want %v (%q)", says, f.HungMayHaveRun, e.Msg)
		}
	})
}
