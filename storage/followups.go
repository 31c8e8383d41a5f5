package storage

import (
	"context"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// TicketStatus is where the ticket of a follow-up is in its life.
type TicketStatus string

// Ticket statuses. A ticket is asked for (pending), claimed by one worker
// (creating), then created, failed (the tracker refused: nothing exists)
// or unknown (the call may have created it: never sent again by itself).
const (
	TicketNone     TicketStatus = "none"
	TicketPending  TicketStatus = "pending"
	TicketCreating TicketStatus = "creating"
	TicketCreated  TicketStatus = "created"
	TicketFailed   TicketStatus = "failed"
	TicketUnknown  TicketStatus = "unknown"
)

// Ticket states as the tracker reports them.
const (
	TicketOpen = "open"
	TicketDone = "done"
)

// FollowUp is work that leaves the incident, and its ticket if any.
type FollowUp struct {
	ID         int64
	IncidentID int64
	Text       string
	// Owner is who should do it (zero when nobody was named).
	Owner     incident.Actor
	CreatedBy incident.Actor
	CreatedAt time.Time
	// Tracker names the configured tracker the ticket goes to ("" none).
	Tracker      string
	TicketStatus TicketStatus
	// Attempts counts claims; a worker records an outcome only if nobody
	// claimed the row after it did.
	Attempts   int
	LeaseUntil *time.Time
	TicketKey  string
	TicketURL  string
	// TicketState is the tracker's state of a created ticket: open, done
	// or "" when not yet known.
	TicketState string
	CheckedAt   *time.Time
	LastError   string
}

// TicketOutcome is what a worker learnt creating a ticket.
type TicketOutcome struct {
	Status TicketStatus // created, failed or unknown
	Key    string
	URL    string
	Error  string
}

// FollowUpStore keeps follow-ups and the life of their tickets.
type FollowUpStore interface {
	// AddFollowUp inserts f (its TicketStatus none or pending) and sets its
	// ID. ErrNotFound when the incident does not exist.
	AddFollowUp(ctx context.Context, f *FollowUp) error
	// ListFollowUps returns an incident's follow-ups, oldest first.
	ListFollowUps(ctx context.Context, incidentID int64) ([]FollowUp, error)
	// RequestTickets marks an incident's follow-ups that have no ticket
	// (status none) pending for tracker, and returns how many.
	RequestTickets(ctx context.Context, incidentID int64, tracker string) (int64, error)
	// ClaimTicket claims the oldest pending follow-up (not held back by a
	// retry until after now) for creating its ticket, leased until now+lease, and counts the attempt. A follow-up
	// found creating with its lease run out is first marked unknown (its
	// call may have reached the tracker) and returned in Expired, so that
	// the channel can be told. ErrNotFound (with any expired ones) when
	// nothing is pending.
	ClaimTicket(ctx context.Context, now time.Time, lease time.Duration) (claimed FollowUp, expired []FollowUp, err error)
	// FinishTicket records the outcome of attempt. ErrConflict when the
	// row is no longer creating or was claimed again since.
	FinishTicket(ctx context.Context, id int64, attempt int, o TicketOutcome) error
	// RetryTicket puts a claimed follow-up back to pending, not to be
	// claimed before notBefore (the tracker said, for sure, that nothing was
	// created: a 429, a refused connection). ErrConflict as FinishTicket.
	RetryTicket(ctx context.Context, id int64, attempt int, notBefore time.Time, lastErr string) error
	// DueTicketChecks returns up to limit created tickets not checked since
	// before, least recently checked first.
	DueTicketChecks(ctx context.Context, before time.Time, limit int) ([]FollowUp, error)
	// SetTicketState records a ticket's state as checked at at.
	SetTicketState(ctx context.Context, id int64, state string, at time.Time) error
}
