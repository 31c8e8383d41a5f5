package actiontype

import "github.com/tourniquet/tourniquet/incident"

// PageAction is what a page asks of a paging service.
type PageAction string

// Page actions, in PagerDuty's words (Opsgenie: create, acknowledge,
// close).
const (
	PageTrigger     PageAction = "trigger"
	PageAcknowledge PageAction = "acknowledge"
	PageResolve     PageAction = "resolve"
)

// PageRequest is one call to a paging integration: wake someone for an
// incident, or close that page. A paging integration (pagerduty, opsgenie,
// a webhook) implements the paging feature's one-method interface with
// it, Page(ctx, PageRequest) error, and returns failures as an [*Error].
type PageRequest struct {
	Action PageAction
	// Key identifies the page at the service across trigger and resolve:
	// the incident's key (PagerDuty's dedup_key, Opsgenie's alias).
	Key string
	// Summary is the one line the person paged reads first.
	Summary  string
	Severity incident.Severity
	// Message is what whoever paged added ("/incident page oncall <message>").
	Message string
	// URL links to the incident's report, when there is one.
	URL string
	// Services are the incident's services.
	Services []string
}
