package githubissues

import "github.com/tourniquet/tourniquet/actiontype"

// mayHaveRun marks e as a write that may have happened: a 2xx answer that
// does not say what was made.
func mayHaveRun(e *actiontype.Error) *actiontype.Error {
	e.MayHaveRun = true
	return e
}
