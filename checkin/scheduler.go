package checkin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
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
	Logger *slog.Logger
	// Poll is the longest the sweeper sleeps between sweeps (DefaultPoll);
	// it wakes sooner when a check-in falls due.
	Poll time.Duration
	// Batch is how many check-ins one transaction claims (DefaultBatch).
	Batch int
	// LateAfter is how long after its due time a check-in counts as late
	// (DefaultLateAfter, and never more than half its interval).
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
}

// Scheduler sends check-ins on a timer. It is safe for concurrent use, and
// any number of schedulers on any number of replicas may share one store.
type Scheduler struct {
	engine        *bot.Engine
	store         storage.Store
	clock         clock.Clock
	log           *slog.Logger
	sch           schedules
	escalateAfter int
	tighten       bool
	o             Options

	digestMu    sync.Mutex
	digestReady bool
}

// New builds a scheduler from the check-in configuration and wires it into
// engine: it becomes a hook that sees every event batch (to start, stop and
// reschedule check-ins) and the handler of the "answer" command that the
// check-in buttons send. The engine's store and clock are the scheduler's.
// Call Run to sweep.
func New(engine *bot.Engine, cfg config.Checkins, o Options) (*Scheduler, error) {
	sch, err := parseSchedules(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.EscalateAfter < 0 {
		return nil, errors.New("checkins.escalate_after: must be 0 (never) or more")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
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
	s := &Scheduler{
		engine: engine, store: engine.Store(), clock: engine.Clock(), log: o.Logger,
		sch: sch, escalateAfter: cfg.EscalateAfter, tighten: cfg.TightenOnNo, o: o,
	}
	engine.AddHook(s)
	engine.Register(bot.CmdAnswer, true, false, s.answer)
	return s, nil
}

// Run sweeps until ctx is done: at once, then whenever a check-in falls
// due, and at least every Poll. It first creates the check-ins of open
// incidents that have none (declared before check-ins existed). Errors are
// logged, never fatal: the next sweep tries again.
func (s *Scheduler) Run(ctx context.Context) error {
	if err := s.Backfill(ctx); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "check-in backfill failed", "err", err)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		sent, err := s.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "check-in sweep failed", "err", err)
		}
		timer.Reset(s.sleep(ctx, sent))
	}
}

// idleFloor is the shortest wait after a sweep that sent nothing although
// something was due: its rows were held by another transaction (a command
// on the incident, another replica), so retrying at once would spin.
const idleFloor = 25 * time.Millisecond

// sleep is how long to wait before the next sweep: until the next due
// time, but never longer than Poll.
func (s *Scheduler) sleep(ctx context.Context, sent int) time.Duration {
	due, err := s.store.NextCheckinDue(ctx)
	if err != nil {
		return s.o.Poll
	}
	wait := min(max(due.Sub(s.clock.Now()), 0), s.o.Poll)
	if sent == 0 {
		wait = max(wait, min(idleFloor, s.o.Poll))
	}
	return wait
}

// Sweep fires every check-in due now, in batches, and the digest if it is
// due, and returns how many check-ins it sent. A check-in that fails to
// fire is isolated and retried after RetryDelay, so it cannot hold up the
// others.
func (s *Scheduler) Sweep(ctx context.Context) (int, error) {
	total, limit := 0, s.o.Batch
	for {
		claimed, sent, failed, err := s.sweepBatch(ctx, limit)
		total += sent
		switch {
		case err == nil && claimed < limit:
			return total, s.sweepDigest(ctx)
		case err == nil:
			continue
		case failed == "" || ctx.Err() != nil:
			return total, err
		case limit > 1:
			limit = 1 // find the one that fails
		default:
			s.log.ErrorContext(ctx, "check-in failed to fire; retrying later", "checkin", failed, "retry_in", s.o.RetryDelay, "err", err)
			if perr := s.postpone(ctx, failed); perr != nil {
				return total, errors.Join(err, perr)
			}
		}
	}
}

// sweepBatch claims up to limit due check-ins and fires them in one
// transaction. failed names the check-in that was firing when an error
// happened.
func (s *Scheduler) sweepBatch(ctx context.Context, limit int) (claimed, sent int, failed string, err error) {
	var done []Sent
	now := s.clock.Now()
	err = s.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		done, failed = done[:0], ""
		cs, err := q.ClaimDueCheckins(ctx, now, limit)
		if err != nil {
			return err
		}
		claimed = len(cs)
		for _, c := range cs {
			r, err := s.fire(ctx, q, c)
			if err != nil {
				failed = c.Key
				return fmt.Errorf("fire check-in %s: %w", c.Key, err)
			}
			if r != nil {
				done = append(done, *r)
			}
		}
		return nil
	})
	if err != nil {
		return claimed, 0, failed, err
	}
	s.observe(done)
	return claimed, len(done), "", nil
}

// observe records sent check-ins once they are committed.
func (s *Scheduler) observe(done []Sent) {
	committed := s.clock.Now()
	for _, d := range done {
		d.Committed = committed
		if s.o.OnSent != nil {
			s.o.OnSent(d)
		}
	}
}

// postpone moves a check-in that failed to fire RetryDelay into the future.
func (s *Scheduler) postpone(ctx context.Context, key string) error {
	return s.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		now := s.clock.Now()
		c, err := q.ClaimDueCheckin(ctx, key, now)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("postpone check-in %s: %w", key, err)
		}
		c.NextDueAt, c.UpdatedAt = now.Add(s.o.RetryDelay), now
		if err := q.UpdateCheckin(ctx, &c); err != nil {
			return fmt.Errorf("postpone check-in %s: %w", key, err)
		}
		return nil
	})
}

// Backfill creates the check-ins of open incidents that have none: those
// declared before this feature existed. It is safe to run on every replica
// at once.
func (s *Scheduler) Backfill(ctx context.Context) error {
	incs, err := s.store.ListIncidents(ctx, storage.IncidentFilter{State: incident.StateOpen})
	if err != nil {
		return fmt.Errorf("list open incidents: %w", err)
	}
	now := s.clock.Now()
	for _, inc := range incs {
		kind, ok := s.wanted(inc)
		if !ok {
			continue
		}
		if _, err := s.store.GetCheckin(ctx, key(inc, kind)); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		sch := s.scheduleOf(kind, inc)
		c := storage.Checkin{Key: key(inc, kind), Kind: kind, IncidentID: inc.ID, Spec: sch.spec, Active: true,
			NextDueAt: sch.Next(now), UpdatedAt: now}
		if err := s.store.CreateCheckin(ctx, &c); err != nil && !errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("create check-in of %s: %w", inc.Key, err)
		}
	}
	return nil
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
