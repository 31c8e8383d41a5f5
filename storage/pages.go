package storage

import (
	"context"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// PageStatus is where a page is in its life.
type PageStatus string

// Page statuses. A page is pending until a worker claims it (sending);
// it ends sent or failed, or unknown when a worker stopped while sending
// it (it is never sent again silently).
const (
	PagePending PageStatus = "pending"
	PageSending PageStatus = "sending"
	PageSent    PageStatus = "sent"
	PageFailed  PageStatus = "failed"
	PageUnknown PageStatus = "unknown"
)

// Page is one request to a paging integration: trigger (page someone) or
// resolve (close the page), written in the transaction that decided it.
type Page struct {
	ID         int64
	IncidentID int64
	// Step is why it was sent, unique per incident: "declared",
	// "escalation", "manual/<n>", "resolve/<step>". A second request of a
	// step is not recorded: each step pages at most once.
	Step string
	// Target names the paging target (config paging.targets).
	Target string
	// Action is "trigger" or "resolve".
	Action      string
	Message     string
	RequestedBy incident.Actor
	Status      PageStatus
	// Attempts counts claims; a worker finishes a page only if nobody
	// claimed it since (the fencing token).
	Attempts      int
	NextAttemptAt time.Time
	LeaseUntil    *time.Time
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// PageStore keeps page requests.
type PageStore interface {
	// RequestPage records p as pending and sets its ID; false (and
	// nothing recorded) when the incident has a page of that step already.
	RequestPage(ctx context.Context, p *Page) (bool, error)
	// ClaimPage marks the oldest pending page due at now sending, leased
	// until now+lease, and counts the attempt. ErrNotFound when none.
	ClaimPage(ctx context.Context, now time.Time, lease time.Duration) (Page, error)
	// FinishPage records the outcome of a claimed page: sent, failed, or
	// pending again at next (a retryable failure). ErrConflict when it was
	// claimed again since attempt or is no longer sending.
	FinishPage(ctx context.Context, id int64, attempt int, status PageStatus, next time.Time, lastErr string, at time.Time) error
	// ExpirePages marks unknown every page still sending whose lease ran
	// out at now (its worker stopped mid-call) and returns them.
	ExpirePages(ctx context.Context, now time.Time) ([]Page, error)
	// ListPages returns an incident's pages, oldest first.
	ListPages(ctx context.Context, incidentID int64) ([]Page, error)
}
