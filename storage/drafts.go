package storage

import (
	"context"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// DraftStatus is where a postmortem draft request is in its life.
type DraftStatus string

// Draft statuses: a request is pending until a worker posts its draft.
const (
	DraftPending DraftStatus = "pending"
	DraftPosted  DraftStatus = "posted"
)

// Draft is a request for a postmortem draft of an incident (at its
// resolution, or asked for with /incident timeline). It is written in the
// command's transaction; a worker on any replica claims it, writes the
// summary outside any transaction (a language model is slow) and posts it.
type Draft struct {
	ID         int64
	IncidentID int64
	// Reason is why it was asked for: "resolved" or "timeline".
	Reason      string
	RequestedBy incident.Actor
	RequestedAt time.Time
	Status      DraftStatus
	// Attempts counts claims; a worker finishes a draft only if nobody
	// claimed it after it did.
	Attempts   int
	LeaseUntil *time.Time
	PostedAt   *time.Time
	// Source says how the posted summary was written ("model",
	// "template", "fallback").
	Source    string
	LastError string
}

// DraftStore keeps postmortem draft requests.
type DraftStore interface {
	// RequestDraft records d as pending and sets its ID. While a request of
	// the same incident is pending it records nothing and returns false.
	RequestDraft(ctx context.Context, d *Draft) (bool, error)
	// ClaimDraft leases the oldest pending request that is not leased (or
	// whose lease ran out at now) until now+lease and counts the attempt.
	// Concurrent claims never get the same request. ErrNotFound when none.
	ClaimDraft(ctx context.Context, now time.Time, lease time.Duration) (Draft, error)
	// FinishDraft marks a claimed request posted at at, with how its summary
	// was written and the model's error if any. It is ErrConflict when the
	// request is no longer pending or was claimed again since attempt.
	FinishDraft(ctx context.Context, id int64, attempt int, at time.Time, source, lastErr string) error
	// ListDrafts returns an incident's requests, oldest first.
	ListDrafts(ctx context.Context, incidentID int64) ([]Draft, error)
}
