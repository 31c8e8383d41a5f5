package probe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// SystemRunner runs a unit of work of the bot itself inside a transaction
// (bot.Engine.RunAsSystem): how a probe's result is applied, with its
// events, hooks and messages, exactly as a command would be.
type SystemRunner interface {
	RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *bot.Tx) error) error
}

// Worker evaluates the probes that fall due, through the engine: the
// background half of a Service, built once the engine exists. Any number
// of workers on any number of replicas may share one store: each probe
// state is leased by one of them per interval.
type Worker struct {
	*Service
	engine SystemRunner
}

// Worker returns the worker of s's probes, applying results through
// engine. Call Run to evaluate.
func (s *Service) Worker(engine SystemRunner) *Worker {
	return &Worker{Service: s, engine: engine}
}

// Run evaluates until ctx is done: at once, then whenever a probe falls
// due, and at least every Poll. It first starts the probes of open
// incidents that have none (declared before the probe was configured).
// Errors are logged, never fatal: the next sweep tries again.
func (w *Worker) Run(ctx context.Context) error {
	if len(w.probes) == 0 {
		return nil
	}
	if err := w.Backfill(ctx); err != nil && ctx.Err() == nil {
		w.log.ErrorContext(ctx, "probe backfill failed", "err", err)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		if _, err := w.Sweep(ctx); err != nil && ctx.Err() == nil {
			w.log.ErrorContext(ctx, "probe sweep failed", "err", err)
		}
		timer.Reset(w.sleep(ctx))
	}
}

// sleep is how long to wait before the next sweep: until the next probe
// is due, at least a moment, at most Poll.
func (w *Worker) sleep(ctx context.Context) time.Duration {
	due, err := w.store.NextProbeDue(ctx)
	if err != nil {
		return w.o.Poll
	}
	return min(max(due.Sub(w.clock.Now()), 10*time.Millisecond), w.o.Poll)
}

// Backfill starts the probes of every open incident that lacks them. It
// is safe to run on every replica at once.
func (w *Worker) Backfill(ctx context.Context) error {
	incs, err := w.store.ListIncidents(ctx, storage.IncidentFilter{State: incident.StateOpen})
	if err != nil {
		return fmt.Errorf("list open incidents: %w", err)
	}
	now := w.clock.Now()
	for _, inc := range incs {
		if err := w.ensure(ctx, w.store, inc, now); err != nil {
			return err
		}
	}
	return nil
}

// lease is how long a claim keeps other replicas off a probe: longer than
// an evaluation (and its look back) can take.
func (w *Worker) lease() time.Duration {
	longest := config.DefaultProbeTimeout
	for _, p := range w.probes {
		longest = max(longest, p.Timeout)
	}
	return 3*longest + 10*time.Second
}

// result is one evaluation, to be applied.
type result struct {
	state   storage.ProbeState
	reading Reading
	// since is when the look back found the breach began (nil: none, or
	// no look back done).
	since    *time.Time
	lookback bool
}

// Sweep evaluates every probe due now, in batches, and returns how many
// results it committed. A result that fails to apply is logged and
// isolated: the probe is due again once its lease has passed.
func (w *Worker) Sweep(ctx context.Context) (int, error) {
	total := 0
	for {
		now := w.clock.Now()
		claimed, err := w.store.ClaimDueProbes(ctx, now, now.Add(w.lease()), w.o.Batch)
		if err != nil {
			return total, err
		}
		results := w.evaluate(ctx, claimed, now)
		// In incident order, so that workers applying batches on several
		// replicas lock incidents in the same order and never deadlock.
		slices.SortStableFunc(results, func(a, b result) int { return cmp.Compare(a.state.IncidentID, b.state.IncidentID) })
		for chunk := range slices.Chunk(results, applyChunk) {
			n, err := w.applyChunk(ctx, chunk)
			total += n
			if err != nil {
				return total, err
			}
		}
		if len(claimed) < w.o.Batch {
			return total, nil
		}
	}
}

// applyChunk is how many results one transaction applies: a commit (an
// fsync on SQLite, a WAL flush on Postgres) per applyChunk results rather
// than per result, while a command on one of their incidents waits for at
// most applyChunk results to be applied.
const applyChunk = 25

// applyChunk commits rs in one transaction and reports them. When that
// fails (a result that does not apply, another replica's claim since),
// nothing of it stays and each result is applied in its own transaction,
// so that the one that fails is isolated and logged. It returns how many
// results it committed; its error is only the context's.
func (w *Worker) applyChunk(ctx context.Context, rs []result) (int, error) {
	evs, err := w.applyAll(ctx, rs)
	if err == nil {
		w.report(evs)
		return len(evs), nil
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	total := 0
	for _, r := range rs {
		ev, err := w.apply(ctx, r)
		switch {
		case err != nil && ctx.Err() != nil:
			return total, ctx.Err()
		case err != nil:
			w.log.ErrorContext(ctx, "probe result not applied", "probe", r.state.ProbeID,
				"incident", incident.KeyFor(r.state.IncidentID), "err", err)
		case ev != nil:
			total++
			w.report([]Evaluated{*ev})
		}
	}
	return total, nil
}

// report tells OnEvaluated about results once committed.
func (w *Worker) report(evs []Evaluated) {
	if w.o.OnEvaluated == nil {
		return
	}
	committed := w.clock.Now()
	for _, ev := range evs {
		ev.Committed = committed
		w.o.OnEvaluated(ev)
	}
}

// evaluate reads every claimed probe, Concurrency at a time, outside any
// transaction.
func (w *Worker) evaluate(ctx context.Context, claimed []storage.ProbeState, now time.Time) []result {
	out := make([]result, len(claimed))
	sem := make(chan struct{}, w.o.Concurrency)
	var wg sync.WaitGroup
	for i, st := range claimed {
		out[i] = result{state: st}
		c, ok := w.checkers[st.ProbeID]
		if !ok {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i].reading = c.Read(ctx, now)
			out[i].since, out[i].lookback = w.lookBack(ctx, st, c, now)
		}()
	}
	wg.Wait()
	return out
}

// lookBack runs the probe's look back once per incident: when the breach
// that still runs began, up to the probe's lookback before the
// declaration. done is false when it could not run (it is tried again at
// the next evaluation).
func (w *Worker) lookBack(ctx context.Context, st storage.ProbeState, c Checker, now time.Time) (since *time.Time, done bool) {
	if _, ok := st.Marks[storage.MarkLookback]; ok {
		return nil, false
	}
	p := w.byID[st.ProbeID]
	l, ok := c.(Looker)
	if !ok || p.Lookback < 0 {
		return nil, true
	}
	inc, err := w.store.GetIncident(ctx, st.IncidentID)
	if err != nil {
		return nil, false
	}
	step := max((p.Lookback / 720).Round(time.Second), time.Second)
	since, err = l.BreachStart(ctx, inc.DeclaredAt.Add(-p.Lookback), now, step)
	if err != nil {
		// Given up for this incident (a store that cannot answer a range
		// query would fail again at every interval), unless shutting down.
		w.log.WarnContext(ctx, "probe look back failed", "probe", p.ID, "incident", inc.Key, "err", err)
		return nil, !errors.Is(err, context.Canceled)
	}
	return since, true
}
