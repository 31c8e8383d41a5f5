package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// CheckinKind is what a check-in asks about.
type CheckinKind string

// Check-in kinds.
const (
	// CheckinImpact asks "Is customer impact mitigated?" while impact is ongoing.
	CheckinImpact CheckinKind = "impact"
	// CheckinDiagnosis asks "Is the cause identified?" once impact is
	// mitigated and while the cause is unknown.
	CheckinDiagnosis CheckinKind = "diagnosis"
	// CheckinDigest is the periodic digest; it belongs to no incident.
	CheckinDigest CheckinKind = "digest"
)

// Checkin is one durable schedule: a question asked again and again at
// NextDueAt until it is stopped. Every replica's sweeper claims due ones.
type Checkin struct {
	ID int64
	// Key is unique: "INC-7/impact", "INC-7/diagnosis", "digest".
	Key  string
	Kind CheckinKind
	// IncidentID is 0 for a check-in that belongs to no incident.
	IncidentID int64
	// Spec is the robfig/cron spec in force, for the record.
	Spec string
	// Active is false once the check-in is stopped; it is then never due.
	Active    bool
	NextDueAt time.Time
	// Unanswered counts the check-ins sent since the last answer.
	Unanswered int
	// Escalation is the highest escalation level reached since the last
	// answer (0: none).
	Escalation int
	// Fired counts every check-in sent, ever.
	Fired int
	// OpenFireID is the latest fire whose message still shows its buttons
	// (0: none).
	OpenFireID int64
	UpdatedAt  time.Time
}

// FireStatus is where one sent check-in is in its life.
type FireStatus string

// Fire statuses. A fire starts open; a newer one supersedes it; an answer
// or the check-in stopping ends it. Answered and closed are final.
const (
	FireOpen       FireStatus = "open"
	FireAnswered   FireStatus = "answered"
	FireSuperseded FireStatus = "superseded"
	FireClosed     FireStatus = "closed"
)

// CheckinFire is the record of one check-in sent for one due time. Its
// (CheckinID, DueAt) is unique: that is what makes any number of replicas
// send each check-in once.
type CheckinFire struct {
	ID         int64
	CheckinID  int64
	IncidentID int64
	// Seq is 1 for the check-in's first fire, 2 for the second, ….
	Seq     int
	DueAt   time.Time
	FiredAt time.Time
	// Late is set when the fire came well after its due time (downtime).
	Late       bool
	Escalation int
	Status     FireStatus
	// Answer is "yes", "partial" or "no" once answered.
	Answer     string
	AnsweredBy incident.Actor
	AnsweredAt *time.Time
	// ClosedAt is when the fire stopped being open (answered, superseded or
	// closed).
	ClosedAt *time.Time
}

// FireOutcome ends or supersedes an open fire.
type FireOutcome struct {
	Status FireStatus
	// Answer and By are set for FireAnswered.
	Answer string
	By     incident.Actor
	At     time.Time
}

// CheckinStore keeps check-in schedules and the record of each one sent.
type CheckinStore interface {
	// CreateCheckin inserts c and sets its ID; ErrConflict when its key
	// exists.
	CreateCheckin(ctx context.Context, c *Checkin) error
	// UpdateCheckin saves every field of c but ID, Key, Kind and
	// IncidentID; ErrNotFound when there is no check-in c.ID.
	UpdateCheckin(ctx context.Context, c *Checkin) error
	// GetCheckin returns the check-in with key; ErrNotFound if none.
	GetCheckin(ctx context.Context, key string) (Checkin, error)
	// ListCheckins returns an incident's check-ins in ID order.
	ListCheckins(ctx context.Context, incidentID int64) ([]Checkin, error)
	// ResetCheckinCounts sets Unanswered and Escalation to 0, and
	// UpdatedAt to at, on an incident's active check-ins that have either,
	// and leaves the others as they are. It returns nothing to read: in a
	// transaction it may travel with the next statement (Postgres), as a
	// note costs it on the ack path.
	ResetCheckinCounts(ctx context.Context, incidentID int64, at time.Time) error
	// ClaimDueCheckins returns up to limit active check-ins of open
	// incidents that are due at now, earliest first, and locks each one and
	// its incident until the transaction ends. Rows another transaction
	// holds are skipped, not waited for (Postgres FOR UPDATE SKIP LOCKED;
	// SQLite has one writer). Use it inside InTx.
	ClaimDueCheckins(ctx context.Context, now time.Time, limit int) ([]Checkin, error)
	// ClaimDueCheckin is ClaimDueCheckins for the one check-in with key,
	// whatever it belongs to; ErrNotFound when it is not active, not due,
	// or held by another transaction.
	ClaimDueCheckin(ctx context.Context, key string, now time.Time) (Checkin, error)
	// NextCheckinDue returns the earliest due time of the active
	// check-ins a sweep could claim (those of open incidents, and those of
	// no incident); ErrNotFound when there is none. Sweepers sleep until
	// then.
	NextCheckinDue(ctx context.Context) (time.Time, error)
	// RecordCheckinFire inserts f (open) and sets its ID; ErrConflict when
	// the check-in already fired for f.DueAt.
	RecordCheckinFire(ctx context.Context, f *CheckinFire) error
	// GetCheckinFire returns one fire; ErrNotFound if none.
	GetCheckinFire(ctx context.Context, id int64) (CheckinFire, error)
	// ListCheckinFires returns a check-in's fires in Seq order.
	ListCheckinFires(ctx context.Context, checkinID int64) ([]CheckinFire, error)
	// FireCheckin is how a sweep sends a check-in, in one round trip where
	// the store can: it records f (open, for check-in c.ID) and sets its
	// ID, then saves every field of c but ID, Key, Kind and IncidentID, with
	// c.OpenFireID set to f.ID. ErrConflict, and nothing written, when the
	// check-in already fired for f.DueAt (another replica sent it).
	FireCheckin(ctx context.Context, c *Checkin, f *CheckinFire) error
	// SupersedeCheckinFire moves fire id from open to superseded at at and
	// returns it as it is now, in one round trip; superseded is false, and
	// nothing written, when the fire was not open (answered, closed or
	// superseded already). ErrNotFound when there is no such fire.
	SupersedeCheckinFire(ctx context.Context, id int64, at time.Time) (f CheckinFire, superseded bool, err error)
	// FinishCheckinFire moves a fire on: open → superseded, and open or
	// superseded → answered or closed. ErrConflict when the fire is
	// answered or closed already (or superseding one that is not open);
	// ErrNotFound when there is no such fire.
	FinishCheckinFire(ctx context.Context, id int64, o FireOutcome) error
}

// ValidFireOutcome checks that o is a move FinishCheckinFire can make.
func ValidFireOutcome(o FireOutcome) error {
	switch o.Status {
	case FireSuperseded, FireClosed:
		if o.Answer != "" {
			return fmt.Errorf("a %s check-in carries no answer", o.Status)
		}
	case FireAnswered:
		switch o.Answer {
		case "yes", "partial", "no":
		default:
			return fmt.Errorf("answer %q: want yes, partial or no", o.Answer)
		}
		if o.By.IsZero() {
			return errors.New("an answer needs who gave it")
		}
	default:
		return fmt.Errorf("cannot move a check-in to %q", o.Status)
	}
	if o.At.IsZero() {
		return errors.New("say when")
	}
	return nil
}
