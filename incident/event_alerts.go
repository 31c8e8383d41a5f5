package incident

// Event kinds of alert intake and paging.
const (
	// KindAlertFiring records an alert attached to the incident that is
	// firing (newly attached, or firing again).
	KindAlertFiring Kind = "alert_firing"
	// KindAlertResolved records that an attached alert resolved.
	KindAlertResolved Kind = "alert_resolved"
	// KindPageSent records a page (or its resolution) sent to a paging
	// integration, with its outcome: sent, failed or unknown.
	KindPageSent Kind = "page_sent"
)

// SourceAlert tags what an alert did by itself: an incident declared by
// an alert route, a mitigation an auto_mitigate route marked.
const SourceAlert Source = "alert"

// AlertSender is the actor of what an alert source does on a chat
// platform (an incident an alert route declares in its triage channel):
// the platform it happens on, the sender's name, and no user ID, because
// it is nobody's account. It leads nobody (HasLead is false while it is
// the lead, so the first responder can claim the incident) and matches
// no permission rule.
func AlertSender(platform, name string) Actor { return Actor{Platform: platform, Name: name} }
