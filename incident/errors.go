package incident

import "errors"

// Errors returned by transitions. Each names one thing that makes no sense,
// so that callers can tell the user exactly what was wrong.
var (
	ErrBadSeverity                = errors.New("unknown severity")
	ErrEmptyTitle                 = errors.New("an incident needs a title")
	ErrResolved                   = errors.New("the incident is resolved")
	ErrAlreadyMitigated           = errors.New("impact is already mitigated")
	ErrNotMitigated               = errors.New("impact is not mitigated, so it cannot regress")
	ErrAlreadyDiagnosed           = errors.New("the cause is already identified")
	ErrEmptyCause                 = errors.New("say what the cause is")
	ErrEmptyReason                = errors.New("say why")
	ErrNotOngoing                 = errors.New("impact is not ongoing")
	ErrImpactStartInFuture        = errors.New("impact cannot start in the future")
	ErrImpactStartAfterMitigation = errors.New("impact cannot start after it was first mitigated")
	ErrSameSeverity               = errors.New("the incident already has that severity")
	ErrSameLead                   = errors.New("that person is already the lead")
	ErrNoLead                     = errors.New("name a lead")
	ErrNoServices                 = errors.New("name at least one service")
	ErrNotResolved                = errors.New("the incident is not resolved")
	ErrTitleTooLong               = errors.New("the title is too long")
	ErrSameTitle                  = errors.New("the incident already has that title")
	ErrBadServiceName             = errors.New("is not a service name")
	ErrImpactStartTooEarly        = errors.New("impact start too far back")
)
