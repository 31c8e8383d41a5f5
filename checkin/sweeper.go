package checkin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// SystemRunner runs a unit of work of the bot itself inside a transaction
// (bot.Engine.RunAsSystem): how a check-in is sent, with its events, hooks
// and messages, exactly as a command would.
type SystemRunner interface {
	RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *bot.Tx) error) error
}

// Sweeper sends the check-ins (and the digest) that fall due, through the
// engine: the background half of a Scheduler, built once the engine
// exists. Any number of sweepers on any number of replicas may share one
// store: each check-in is claimed by one of them.
type Sweeper struct {
	*Scheduler
	engine SystemRunner
	// upSince is when this sweeper was built (its process started): only a
	// check-in that fell due before then can have been missed by downtime.
	upSince time.Time

	digestMu    sync.Mutex
	digestReady bool
}

// Sweeper returns the sweeper of s's check-ins, sending them through
// engine. Call Run to sweep.
func (s *Scheduler) Sweeper(engine SystemRunner) *Sweeper {
	return &Sweeper{Scheduler: s, engine: engine, upSince: s.clock.Now()}
}

// Run sweeps until ctx is done: at once, then whenever a check-in falls
// due, and at least every Poll. It first creates the check-ins of open
// incidents that have none (declared before check-ins existed). Errors are
// logged, never fatal: the next sweep tries again.
func (s *Sweeper) Run(ctx context.Context) error {
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
func (s *Sweeper) sleep(ctx context.Context, sent int) time.Duration {
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

// Sweep fires every check-in due now, in batches (Options.Parallel of
// them at once), and the digest if it is due, and returns how many
// check-ins it sent. A check-in that fails to fire is isolated and retried
// after RetryDelay, so it cannot hold up the others.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	if s.o.Parallel <= 1 {
		total, err := s.drain(ctx)
		if err != nil {
			return total, err
		}
		return total, s.sweepDigest(ctx)
	}
	// One batch first: in the steady state a sweep finds a check-in or
	// two, and four claims for them (each one a query over the due rows
	// and their incidents) would be three too many.
	claimed, first, failed, err := s.sweepBatch(ctx, s.o.Batch)
	switch {
	case err == nil && claimed < s.o.Batch:
		return first, s.sweepDigest(ctx)
	case err != nil && (failed == "" || ctx.Err() != nil):
		return first, err
	}
	// A burst (10,000 due after downtime) is bounded by round trips, not
	// by the database's CPU: several transactions claim batches at once,
	// each skipping the rows the others hold. (A batch that failed is
	// isolated by the drains.)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total = first
		errs  []error
	)
	for range s.o.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.drain(ctx)
			mu.Lock()
			total += n
			errs = append(errs, err)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return total, err
	}
	return total, s.sweepDigest(ctx)
}

// drain fires batches of due check-ins until a batch comes back short.
func (s *Sweeper) drain(ctx context.Context) (int, error) {
	total, limit := 0, s.o.Batch
	for {
		claimed, sent, failed, err := s.sweepBatch(ctx, limit)
		total += sent
		switch {
		case err == nil && claimed < limit:
			return total, nil
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
func (s *Sweeper) sweepBatch(ctx context.Context, limit int) (claimed, sent int, failed string, err error) {
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
func (s *Sweeper) observe(done []Sent) {
	committed := s.clock.Now()
	for _, d := range done {
		d.Committed = committed
		if s.o.OnSent != nil {
			s.o.OnSent(d)
		}
	}
}

// postpone moves a check-in that failed to fire RetryDelay into the future.
func (s *Sweeper) postpone(ctx context.Context, key string) error {
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
func (s *Sweeper) Backfill(ctx context.Context) error {
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
