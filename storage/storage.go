// Package storage is Tourniquet's persistence seam: one Store interface, two
// implementations (storage/postgres on pgx, storage/sqlite embedded) and one
// conformance suite (storage/storagetest) that both must pass.
//
// No driver type crosses this seam: implementations map driver errors to
// ErrNotFound and ErrConflict and otherwise wrap them with context.
package storage

import (
	"context"
	"errors"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// Errors every implementation maps its driver's errors to.
var (
	// ErrNotFound is returned when the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict is returned when a unique constraint refuses a write: a
	// dedupe key seen before, a channel already bound to another incident.
	ErrConflict = errors.New("conflict")
)

// Store is a database. Its Querier methods each run in their own implicit
// transaction; InTx groups several into one.
type Store interface {
	Querier
	// InTx runs fn in one transaction: a state change, its events and its
	// outbox messages commit together or not at all. When fn returns an
	// error the transaction is rolled back and the error returned as is.
	// fn must use only q, never the Store, inside the transaction.
	InTx(ctx context.Context, fn func(ctx context.Context, q Querier) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Migrate applies pending migrations. Replicas starting together do not
	// race (Postgres takes an advisory lock).
	Migrate(ctx context.Context) error
	// MigrationsCurrent reports whether no migration is pending.
	MigrationsCurrent(ctx context.Context) (bool, error)
	// OutboxWake receives (coalesced) soon after outbox messages are
	// committed: from any replica on Postgres (LISTEN/NOTIFY), from this
	// process on SQLite. A missed wake-up only delays; senders also poll.
	OutboxWake() <-chan struct{}
	// Dialect is "postgres" or "sqlite".
	Dialect() string
	// Close releases the store's connections.
	Close() error
}

// Querier is what can be done inside or outside a transaction.
type Querier interface {
	IncidentStore
	EventStore
	OutboxStore
	MessageRefStore
	DedupeStore
	AuditStore
	CheckinStore
	ActionRunStore
	DraftStore
	AlertStore
	PageStore
	SigninStore
	FollowUpStore
	ProbeStore
	ReadinessStore
	ChangeStore
}

// IncidentStore keeps incidents and the chat channels bound to them.
type IncidentStore interface {
	// CreateIncident inserts inc and sets its ID and Key ("INC-<id>").
	CreateIncident(ctx context.Context, inc *incident.Incident) error
	// GetIncident loads an incident with its channels; ErrNotFound if none.
	GetIncident(ctx context.Context, id int64) (*incident.Incident, error)
	// GetIncidentForUpdate is GetIncident that also locks the row until the
	// transaction ends (Postgres FOR UPDATE; SQLite has one writer).
	GetIncidentForUpdate(ctx context.Context, id int64) (*incident.Incident, error)
	// GetIncidentByKey accepts "INC-7" or "7".
	GetIncidentByKey(ctx context.Context, key string) (*incident.Incident, error)
	// GetIncidentByChannel finds the incident that holds a chat channel:
	// the one bound to it and not released (see ReleaseIncidentChannels);
	// ErrNotFound if none.
	GetIncidentByChannel(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error)
	// GetIncidentByChannelForUpdate is GetIncidentByChannel that also locks
	// the incident's row until the transaction ends, as
	// GetIncidentForUpdate does: a command typed in a channel finds and
	// locks its incident in one statement instead of two.
	GetIncidentByChannelForUpdate(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error)
	// UpdateIncident saves every field of inc except ID, Key and Channels.
	UpdateIncident(ctx context.Context, inc *incident.Incident) error
	// AddIncidentChannel binds a chat channel the incident owns (one opened
	// for it) to the incident; ErrConflict if another incident holds the
	// channel (binding it again to the same incident is a no-op).
	AddIncidentChannel(ctx context.Context, incidentID int64, ch incident.ChannelRef) error
	// BorrowIncidentChannel binds a channel that was there before the
	// incident ("declare here"), with AddIncidentChannel's conflicts; the
	// incident gives it back when ReleaseIncidentChannels is called.
	BorrowIncidentChannel(ctx context.Context, incidentID int64, ch incident.ChannelRef) error
	// ReleaseIncidentChannels gives back, at the given time, every channel
	// the incident borrowed and still holds, and returns them in binding
	// order. A released channel stays among the incident's Channels, so
	// its late messages and card updates still reach it, but
	// GetIncidentByChannel no longer finds the incident there and another
	// incident may bind it. Binding it again to the same incident changes
	// nothing: a resolved incident does not take a channel back.
	ReleaseIncidentChannels(ctx context.Context, incidentID int64, at time.Time) ([]incident.ChannelRef, error)
	// LastIncidentOfChannel finds the incident that released ch last, so
	// that a command typed there can name it; ErrNotFound if none did.
	LastIncidentOfChannel(ctx context.Context, ch incident.ChannelRef) (*incident.Incident, error)
	// ListIncidents returns incidents matching f, newest first.
	ListIncidents(ctx context.Context, f IncidentFilter) ([]*incident.Incident, error)
	// CountIncidents counts incidents matching f, ignoring its paging.
	CountIncidents(ctx context.Context, f IncidentFilter) (int, error)
}

// IncidentFilter selects incidents. Zero fields do not filter.
type IncidentFilter struct {
	State    incident.State
	Severity incident.Severity
	Service  string
	// DeclaredFrom and DeclaredTo bound declared_at: From inclusive, To exclusive.
	DeclaredFrom time.Time
	DeclaredTo   time.Time
	// HidePrivate leaves out private incidents: for views whose reader
	// may see only incidents that are not private (a signed list link).
	HidePrivate bool
	// Limit caps the page (0: no cap); Offset skips that many.
	Limit  int
	Offset int
}

// EventStore keeps the append-only timeline.
type EventStore interface {
	// AppendEvents appends events to an incident's timeline and returns them
	// with ID, IncidentID and Seq set. Seq is 1, 2, 3… per incident, with no
	// gaps, in commit order: concurrent appends lose nothing.
	AppendEvents(ctx context.Context, incidentID int64, evs ...incident.Event) ([]incident.Event, error)
	// ListEvents returns an incident's events with Seq > afterSeq in Seq
	// order, at most limit of them (0: all).
	ListEvents(ctx context.Context, incidentID int64, afterSeq int64, limit int) ([]incident.Event, error)
}

// OutboxStatus is where an outbox message is in its life.
type OutboxStatus string

// Outbox statuses.
const (
	OutboxPending   OutboxStatus = "pending"
	OutboxDelivered OutboxStatus = "delivered"
	// OutboxDead is a message the sender gave up on.
	OutboxDead OutboxStatus = "dead"
)

// OutboxMessage is one outgoing chat operation, written in the same
// transaction as the state change that caused it.
type OutboxMessage struct {
	ID int64
	// Platform names the adapter that delivers it ("slack", "discord", "console").
	Platform string
	// Channel is the ordering key: messages with the same Platform and
	// Channel are delivered one at a time, in ID order.
	Channel string
	// Kind is the operation, defined by the bot ("post", "update", …).
	Kind string
	// Payload is the operation's JSON.
	Payload []byte
	// IncidentID is 0 when the message belongs to no incident.
	IncidentID    int64
	Status        OutboxStatus
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	DeliveredAt   *time.Time
	LastError     string
}

// OutboxHandoff is implemented by stores that can lease a message to this
// process's sender in the transaction that enqueues it, saving the sender
// the claim (a write transaction, and an fsync or WAL flush) it would
// otherwise need per gathering of messages.
type OutboxHandoff interface {
	// HandOffOutbox makes the store, from now on, enqueue a message that is
	// due (NextAttemptAt not after now()) and whose channel has no other
	// pending message already claimed, as ClaimOutbox(now(), lease) would
	// leave it (one attempt, leased until now()+lease: the sender's clock,
	// not the enqueuer's), and, once the transaction has committed, pass
	// such messages to take, in ID order. take must not block. stop ends
	// it (if no later call replaced take). A message handed to take is the
	// sender's as a claimed one is: if it is never finished, its lease
	// runs out and any claim takes it again, as a retry.
	HandOffOutbox(now func() time.Time, lease time.Duration, take func([]OutboxMessage)) (stop func())
}

// OutboxStat summarizes undelivered messages of one platform.
type OutboxStat struct {
	Platform string
	Pending  int
	// OldestPending is the creation time of the oldest pending message.
	OldestPending time.Time
}

// OutboxStore is the durable outbox.
type OutboxStore interface {
	// EnqueueOutbox inserts pending messages. CreatedAt and NextAttemptAt
	// must be set by the caller (the bot's clock, not the database's).
	EnqueueOutbox(ctx context.Context, msgs ...OutboxMessage) error
	// ClaimOutbox leases up to limit messages that are due at now. It hands
	// out only the oldest pending message of each channel, and none of a
	// channel whose oldest message is leased, so two workers never get the
	// same message nor two messages of one channel. Each claimed message
	// has Attempts incremented and is leased until now+lease.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// MarkDelivered records the delivery of a claimed message.
	MarkDelivered(ctx context.Context, id int64, at time.Time) error
	// MarkDeliveredMany records the delivery of claimed messages in one
	// statement and says how many were still pending; one already
	// delivered or dead (its lease ran out and another worker finished
	// it) or missing is left as it is.
	MarkDeliveredMany(ctx context.Context, ids []int64, at time.Time) (int, error)
	// RetryOutbox releases a claimed message to be tried again at next.
	RetryOutbox(ctx context.Context, id int64, next time.Time, lastErr string) error
	// KillOutbox gives up on a message; the next one of its channel becomes due.
	KillOutbox(ctx context.Context, id int64, lastErr string) error
	// DeferOutbox releases a claimed message that was not tried at all
	// (the adapter's own pacing said wait): it is due again at next, and
	// its claim does not count as an attempt.
	DeferOutbox(ctx context.Context, id int64, next time.Time) error
	// GetOutbox loads one message.
	GetOutbox(ctx context.Context, id int64) (OutboxMessage, error)
	// OutboxStats summarizes pending messages per platform.
	OutboxStats(ctx context.Context) ([]OutboxStat, error)
	// PruneOutbox deletes up to limit messages delivered before the given
	// time, oldest first, and says how many. Pending and dead messages are
	// kept: the first are still to go, the second are evidence of a failure.
	PruneOutbox(ctx context.Context, before time.Time, limit int) (int, error)
}

// MessageRef locates a message a platform delivered, so it can be updated
// in place later.
type MessageRef struct {
	Platform  string
	ChannelID string
	MessageID string
}

// MessageRefStore maps the bot's logical message keys ("INC-7/card") to
// delivered platform messages.
type MessageRefStore interface {
	// PutMessageRef inserts or replaces the reference stored under key.
	PutMessageRef(ctx context.Context, key string, ref MessageRef) error
	// GetMessageRef returns the reference under key; ErrNotFound if none.
	GetMessageRef(ctx context.Context, key string) (MessageRef, error)
}

// DedupeStore remembers inbound event and interaction IDs.
type DedupeStore interface {
	// ClaimDedupe records key until expiresAt. It returns ErrConflict when
	// key was recorded before and has not expired at now.
	ClaimDedupe(ctx context.Context, key string, now, expiresAt time.Time) error
	// ClaimDedupeLater is ClaimDedupe whose outcome the returned function
	// tells: a store may send the claim with the next statement of the
	// transaction (Postgres: one round trip for a command's claim and its
	// incident), so call it before acting on anything read after the
	// claim. Calling it again returns the same outcome.
	ClaimDedupeLater(ctx context.Context, key string, now, expiresAt time.Time) func() error
	// PruneDedupe deletes keys expired at now and says how many.
	PruneDedupe(ctx context.Context, now time.Time) (int, error)
}

// AuditEntry is one append-only audit row: a step of an attempt to do
// something guarded (requested, denied, approved, started, finished).
type AuditEntry struct {
	ID         int64
	At         time.Time
	IncidentID int64
	Actor      incident.Actor
	// Action is what was attempted, e.g. "action.run" or "command.resolve".
	Action string
	// Subject is what it was attempted on, e.g. an action or run ID.
	Subject string
	Step    string
	Outcome string
	// Detail holds redacted parameters and anything else worth keeping.
	Detail   map[string]any
	Duration time.Duration
}

// AuditFilter selects audit rows. Zero fields do not filter.
type AuditFilter struct {
	IncidentID int64
	Subject    string
	AfterID    int64
	Limit      int
}

// AuditStore is the append-only audit log. Rows cannot be updated or
// deleted (the databases refuse it with triggers).
type AuditStore interface {
	// AppendAudit inserts e and returns its ID.
	AppendAudit(ctx context.Context, e AuditEntry) (int64, error)
	// ListAudit returns rows matching f in ID order.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}
