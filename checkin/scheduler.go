package checkin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// Defaults of the options.
const (
	DefaultPoll       = time.Second
	DefaultBatch      = 50
	DefaultParallel   = 4
	DefaultLateAfter  = time.Minute
	DefaultRetryDelay = time.Minute
)

// Escalation levels of unanswered check-ins.
const (
	LevelNone    = 0
	LevelLead    = 1
	LevelChannel = 2
	LevelPager   = 3
)

// LevelName names an escalation level: "lead", "channel", "pager".
func LevelName(level int) string {
	switch level {
	case LevelLead:
		return "lead"
	case LevelChannel:
		return "channel"
	case LevelPager:
		return "pager"
	}
	return "none"
}

// Pager is the last escalation step, after the channel: paging someone.
// It runs inside the check-in's unit of work, so it should record intent
// (an event, an outbox message, an action request) rather than call out.
type Pager interface {
	Page(ctx context.Context, tx *bot.Tx, unanswered int) error
}

// Sent describes one check-in whose message was enqueued and committed.
type Sent struct {
	Key string
	Due time.Time
	// Committed is when the transaction that enqueued it committed, by the
	// scheduler's clock.
	Committed time.Time
	Late      bool
	// Escalated is the level reached by this check-in, if it raised it.
	Escalated int
}

// Options tune a Scheduler. Zero values take the defaults.
type Options struct {
	// Store is where the sweeper finds check-ins that are due (required);
	// Clock tells it the time (default the real one). The hook and the
	// answer command use their unit of work's instead.
	Store  storage.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Poll is the longest the sweeper sleeps between sweeps (DefaultPoll);
	// it wakes sooner when a check-in falls due.
	Poll time.Duration
	// Batch is how many check-ins one transaction claims (DefaultBatch).
	Batch int
	// Parallel is how many batches a sweep fires at once (default 1).
	// More only helps on Postgres, whose claims skip each other's rows
	// (cmd/internal/app sets DefaultParallel there); SQLite has one
	// writer. A replica killed mid-sweep may then die in several
	// transactions at once; each either commits or rolls back.
	Parallel int
	// LateAfter is how long after its due time a check-in that fell due
	// before the sweeper started (while Tourniquet was not running) counts
	// as late (DefaultLateAfter, and never more than half its interval).
	LateAfter time.Duration
	// RetryDelay is how long a check-in that failed to fire waits before
	// the next try (DefaultRetryDelay).
	RetryDelay time.Duration
	// Pager, if set, is the escalation step after the channel.
	Pager Pager
	// OnSent, if set, is told about every check-in sent, after commit
	// (cmd/internal/app counts them, their lateness and escalations).
	OnSent func(Sent)
	// OnAnswered, if set, is told every answer to a check-in (AnswerYes,
	// AnswerPartial, AnswerNo…), inside the answering command's unit of
	// work, so it must be quick (cmd/internal/app counts them).
	OnAnswered func(answer string)
	// DigestLines, if set, adds blocks under the digest's incidents, read
	// in its unit of work (cmd/internal/app gives readiness's line).
	DigestLines func(ctx context.Context, q storage.Querier, now time.Time) ([]bot.Block, error)
}

// Scheduler is the check-in rules of the configuration: a hook that sees
// every event batch (to start, stop and reschedule check-ins) and the
// "answer" command the check-in buttons send (Commands), both given to
// bot.NewEngine; and, once the engine exists, the Sweeper that sends the
// check-ins as they fall due. It is safe for concurrent use, and any
// number of schedulers on any number of replicas may share one store.
type Scheduler struct {
	store         storage.Store
	clock         clock.Clock
	log           *slog.Logger
	sch           schedules
	escalateAfter int
	// steps are the escalation's levels in order (checkins.escalation).
	steps   []int
	tighten bool
	o       Options
}

// New builds a scheduler from the check-in configuration.
func New(cfg config.Checkins, o Options) (*Scheduler, error) {
	sch, err := parseSchedules(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.EscalateAfter < 0 {
		return nil, errors.New("checkins.escalate_after: must be 0 (never) or more")
	}
	steps, err := escalationSteps(cfg.Escalation, o.Pager)
	if err != nil {
		return nil, fmt.Errorf("checkins.escalation: %w", err)
	}
	if o.Store == nil {
		return nil, errors.New("check-ins: a store is required")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Parallel <= 0 {
		o.Parallel = 1
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.LateAfter <= 0 {
		o.LateAfter = DefaultLateAfter
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = DefaultRetryDelay
	}
	return &Scheduler{
		store: o.Store, clock: o.Clock, log: o.Logger,
		sch: sch, escalateAfter: cfg.EscalateAfter, steps: steps, tighten: cfg.TightenOnNo, o: o,
	}, nil
}

// wanted is the check-in an incident should have running now, if any:
// impact while impact is ongoing, diagnosis once mitigated while the cause
// is unknown.
func (s *Scheduler) wanted(inc *incident.Incident) (storage.CheckinKind, bool) {
	switch {
	case !inc.Open():
		return "", false
	case inc.Impact == incident.ImpactOngoing:
		return storage.CheckinImpact, true
	case inc.Cause == incident.CauseUnknown:
		return storage.CheckinDiagnosis, true
	}
	return "", false
}

// scheduleOf is the cadence of a check-in of kind on inc.
func (s *Scheduler) scheduleOf(kind storage.CheckinKind, inc *incident.Incident) schedule {
	if kind == storage.CheckinDiagnosis {
		return s.sch.diagnosis
	}
	return s.sch.forImpact(inc.Severity)
}

// key is the unique key of an incident's check-in of kind.
func key(inc *incident.Incident, kind storage.CheckinKind) string {
	return inc.Key + "/" + string(kind)
}

// messageKey is the logical message key of one fire, updated in place when
// it is answered or superseded.
func messageKey(inc *incident.Incident, fireID int64) string {
	return inc.Key + "/checkin/" + strconv.FormatInt(fireID, 10)
}
