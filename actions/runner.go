package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/retry"
	"github.com/tourniquet/tourniquet/storage"
)

// Defaults of RunnerOptions.
const (
	DefaultPoll          = time.Second
	DefaultSweepEvery    = 30 * time.Second
	DefaultLeaseGrace    = 30 * time.Second
	DefaultStaleAfter    = 15 * time.Minute
	DefaultConcurrency   = 4
	DefaultShutdownGrace = 10 * time.Second
)

// RunnerOptions configure a Runner. Zero values take the defaults.
type RunnerOptions struct {
	// Store is where runs are claimed and recorded; Clock their time
	// (default the real one).
	Store   storage.Store
	Clock   clock.Clock
	Catalog *Catalog
	// Integrations are the configured integration instances by name.
	Integrations map[string]Integration
	Logger       *slog.Logger
	// OnOutcome, if set, is told the outcome of every run the runner
	// records, with how long its external call took (for metrics).
	OnOutcome OutcomeFunc
	// Wakeup is what the command side (Options.Wake) calls when a run is
	// ready; nil makes one of the runner's own (see Runner.Wake).
	Wakeup *Wakeup
	// Poll is the longest the runner waits before looking for requested
	// runs again; Wake makes it look at once.
	Poll time.Duration
	// SweepEvery is how often runs left running past their lease are
	// looked for (besides at start).
	SweepEvery time.Duration
	// LeaseGrace is added to an action's timeout to make the lease of its
	// run: a run still running after that is presumed lost.
	LeaseGrace time.Duration
	// StaleAfter is how long a requested run may wait to start (the bot
	// was down) before it is cancelled instead: a rollback an hour after
	// the click is not what anyone asked for.
	StaleAfter time.Duration
	// Concurrency is how many runs may call out at once.
	Concurrency int
	// VerifyTimeout bounds the watch of a succeeded run's effect, through
	// an integration that is an actiontype.Verifier (default 5m);
	// VerifyFirst and VerifyLongest are the first and the longest wait
	// between looks (default 2s and 20s).
	VerifyTimeout, VerifyFirst, VerifyLongest time.Duration
	// ShutdownGrace is how long Run waits, once its context is done, for
	// calls in flight to finish and be recorded. A call still going after
	// that is left running and becomes unknown at the next start.
	ShutdownGrace time.Duration
}

// Runner executes requested runs: it claims one from the store (so any
// replica may), marks it running and commits, calls the integration once
// with the run ID as idempotency key, and records the outcome in a second
// transaction, posting it through the outbox. A crash between the two
// leaves the run running; when its lease ends it becomes unknown and the
// channel is asked whether it took effect. Nothing is ever re-run silently.
type Runner struct {
	core
	engine SystemRunner
	store  storage.Store
	clock  clock.Clock
	ints   map[string]Integration
	o      RunnerOptions
	wake   *Wakeup
	// pauseAt is the fault suite's test hook (testhook.go); always "" in
	// a normal build.
	pauseAt string
	// watches runs the watch of a run's effect (verify.go): beside the
	// runner under Run, so that a watch holds no slot; inline under Step.
	watches watcher
}

// manualStep is the integration of an action that calls nothing.
type manualStep struct{}

func (manualStep) Run(ctx context.Context, req Request) (Result, error) {
	return Result{Summary: fmt.Sprintf("recorded as done by %s (a manual step: Tourniquet called nothing)", req.Actor.Display())}, nil
}

// NewRunner returns a runner that records through engine. Every action of
// the catalog that names an integration must find it in o.Integrations.
func NewRunner(engine SystemRunner, o RunnerOptions) (*Runner, error) {
	if o.Store == nil {
		return nil, errors.New("actions: the runner needs a store")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Wakeup == nil {
		o.Wakeup = NewWakeup()
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = DefaultSweepEvery
	}
	if o.LeaseGrace <= 0 {
		o.LeaseGrace = DefaultLeaseGrace
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = DefaultStaleAfter
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = DefaultShutdownGrace
	}
	o.VerifyTimeout = cmp.Or(max(o.VerifyTimeout, 0), DefaultVerifyTimeout)
	o.VerifyFirst = cmp.Or(max(o.VerifyFirst, 0), DefaultVerifyFirst)
	o.VerifyLongest = cmp.Or(max(o.VerifyLongest, 0), DefaultVerifyLongest)
	var missing []error
	for _, a := range o.Catalog.All() {
		if a.Integration != "" && o.Integrations[a.Integration] == nil {
			missing = append(missing, fmt.Errorf("action %s: integration %q is not set up", a.ID, a.Integration))
		}
	}
	if err := errors.Join(missing...); err != nil {
		return nil, err
	}
	return &Runner{
		core:    newCore(o.Catalog, nil, o.Logger, o.OnOutcome),
		engine:  engine,
		store:   o.Store,
		clock:   o.Clock,
		ints:    maps.Clone(o.Integrations),
		o:       o,
		wake:    o.Wakeup,
		pauseAt: testPauseAt(),
	}, nil
}

// Wake makes the runner look for requested runs at once. It never blocks.
func (r *Runner) Wake() { r.wake.Wake() }

// Run executes runs until ctx is done: it first turns runs left running
// past their lease into unknown ones, then claims requested runs as they
// come (Wake, or every Poll), sweeping for lost runs every SweepEvery.
func (r *Runner) Run(ctx context.Context) error {
	if _, err := r.Recover(ctx); err != nil && ctx.Err() == nil {
		r.log.ErrorContext(ctx, "recovering action runs", "err", err)
	}
	slots := make(chan struct{}, r.o.Concurrency)
	var wg sync.WaitGroup
	r.watches.detach = true
	defer r.watches.wait()
	nextSweep := time.Now().Add(r.o.SweepEvery)
	quick := 0 // fast retries after a wake that found nothing yet
	for {
		claimed := 0
	claim:
		for {
			select {
			case slots <- struct{}{}:
			default:
				break claim
			}
			run, ok, err := r.claim(ctx)
			if err != nil && ctx.Err() == nil {
				r.log.ErrorContext(ctx, "claiming an action run", "err", err)
			}
			if !ok {
				<-slots
				break
			}
			claimed++
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				r.execute(ctx, run)
				r.Wake() // a slot is free
			}()
		}
		if time.Now().After(nextSweep) {
			if _, err := r.Recover(ctx); err != nil && ctx.Err() == nil {
				r.log.ErrorContext(ctx, "recovering action runs", "err", err)
			}
			nextSweep = time.Now().Add(r.o.SweepEvery)
		}
		wait := r.o.Poll
		if claimed == 0 && quick > 0 {
			// Woken by a command that may not have committed yet: look
			// again soon, a few times, before settling to the poll.
			wait = min(wait, time.Duration(60/quick)*time.Millisecond)
			quick--
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			r.drain(&wg)
			return nil
		case <-r.wake.ch:
			quick = 3
		case <-t.C:
		}
		t.Stop()
	}
}

// drain waits for calls in flight, at most ShutdownGrace.
func (r *Runner) drain(wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.o.ShutdownGrace):
		r.log.Warn("action runs still calling out at shutdown; they will be marked unknown at the next start")
	}
}

// Step executes every requested run now, one after another, and says how
// many it claimed. Tests and one-shot tools use it instead of Run.
func (r *Runner) Step(ctx context.Context) (int, error) {
	n := 0
	for {
		run, ok, err := r.claim(ctx)
		if err != nil || !ok {
			return n, err
		}
		n++
		r.execute(ctx, run)
	}
}

// claim takes the oldest requested run and, in the same transaction,
// marks it running with a lease, recording the start. It returns false
// when there is nothing to run. A run whose incident was resolved, whose
// action is no longer configured, or that waited too long is ended
// instead, and claim looks for the next.
func (r *Runner) claim(ctx context.Context) (storage.ActionRun, bool, error) {
	for {
		var (
			run     storage.ActionRun
			found   bool
			started bool
		)
		err := r.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			runs, err := q.ClaimRequestedActionRuns(ctx, 1)
			if err != nil || len(runs) == 0 {
				return err
			}
			run, found = runs[0], true
			return r.engine.RunAsSystem(ctx, q, run.IncidentID, incident.SourceAction, func(ctx context.Context, tx *bot.Tx) error {
				var err error
				started, err = r.start(ctx, tx, &run)
				return err
			})
		})
		if err != nil {
			return storage.ActionRun{}, false, fmt.Errorf("claim action run: %w", err)
		}
		if !found {
			return storage.ActionRun{}, false, nil
		}
		if started {
			return run, true, nil
		}
	}
}

// start moves a claimed run to running inside tx, or ends it when it must
// not run. It reports whether the run is to be executed.
func (r *Runner) start(ctx context.Context, tx *bot.Tx, run *storage.ActionRun) (bool, error) {
	tx.KeepCard()
	inc := tx.Incident
	act, ok := r.cat.Get(run.ActionID)
	waitedFrom := run.RequestedAt
	if run.ApprovedAt != nil {
		waitedFrom = *run.ApprovedAt
	}
	switch {
	case !inc.Open():
		_, err := r.stopWaiting(ctx, tx, run, incident.System, inc.Key+" was resolved before it ran")
		return false, err
	case !ok:
		_, err := r.stopWaiting(ctx, tx, run, incident.System, "the action is no longer configured")
		return false, err
	case tx.Now.Sub(waitedFrom) > r.o.StaleAfter:
		_, err := r.stopWaiting(ctx, tx, run, incident.System,
			fmt.Sprintf("it waited %s to start (was Tourniquet down?); run it again if it is still needed", bot.FormatDuration(tx.Now.Sub(waitedFrom))))
		return false, err
	}
	lease := tx.Now.Add(act.Timeout + r.o.LeaseGrace)
	run.Status, run.StartedAt, run.LeaseUntil, run.UpdatedAt = storage.RunRunning, &tx.Now, &lease, tx.Now
	if err := tx.Q.UpdateActionRun(ctx, run, storage.RunRequested); err != nil {
		return false, fmt.Errorf("start run %s: %w", run.ID, err)
	}
	data := runData(*run)
	text := run.Title
	if act.Kind == InstrumentationKind && inc.Impact == incident.ImpactOngoing {
		// A microscope is not recovery: say so on the timeline.
		data["instrumentation_during_impact"] = true
		text += " (instrumentation while customer impact is ongoing: it helps diagnosis, it does not stop the impact)"
	}
	tx.Record(incident.NewEvent(tx.Now, incident.KindActionStarted, run.RequestedBy, text, data))
	if err := auditRun(ctx, tx, run.RequestedBy, *run, StepStarted, "running",
		map[string]any{"params": RedactParams(act.Params), "lease_until": lease.Format(time.RFC3339)}, 0); err != nil {
		return false, err
	}
	tx.UpdateInIncident(progressKey(inc, run.ID), r.progressMessage(*run))
	return true, nil
}

// InstrumentationKind is the action kind of a microscope: it helps find
// the cause and does nothing for customers.
const InstrumentationKind = "instrumentation"

// outcome is what one external call gave.
type outcome struct {
	status storage.ActionRunStatus
	res    Result
	err    error
	took   time.Duration // by the wall clock, for metrics
}

// execute calls the integration of a run that was marked running and
// records the outcome. The call gets the action's timeout and is not cut
// short by the runner stopping: a rollback half done is worse than a
// shutdown that waits.
func (r *Runner) execute(ctx context.Context, run storage.ActionRun) {
	act, _ := r.cat.Get(run.ActionID)
	integ := r.ints[act.Integration]
	if act.Integration == "" {
		integ = manualStep{}
	}
	target, perr := r.targetFor(ctx, run, act)
	req := Request{RunID: run.ID, IncidentKey: incident.KeyFor(run.IncidentID), ActionID: act.ID, ActionTitle: act.Title,
		Actor: run.RequestedBy, Params: target.params, Undo: run.Undo, At: *run.StartedAt}
	integ = r.withUndoParams(ctx, run.ID, &req, integ)
	r.testPause(ctx, pauseClaimed, run.ID)
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), act.Timeout)
	o := outcome{status: storage.RunFailed, err: perr} // nothing was called
	if perr == nil {
		o = call(callCtx, r.log, integ, req)
	}
	cancel()
	r.testPause(ctx, pauseCalled, run.ID)
	var ie *Error
	if o.status == storage.RunUnknown && o.err != nil && !errors.As(o.err, &ie) && errors.Is(callCtx.Err(), context.DeadlineExceeded) {
		o.err = fmt.Errorf("no answer within %s; it may or may not have taken effect: %w", bot.FormatDuration(act.Timeout), o.err)
	}
	if !target.rehearsal {
		r.onOutcome(act.Integration, act.Kind, string(o.status), o.took)
	}
	r.log.InfoContext(ctx, "action run finished", "run", run.ID, "action", run.ActionID, "incident", req.IncidentKey,
		"outcome", o.status, "took", o.took)

	// Record the outcome; retry a while if the store is unreachable, since
	// the outcome exists only here until it is written.
	rec := context.WithoutCancel(ctx)
	attempt := 0
	err := retry.Do(rec, retry.Policy{First: 200 * time.Millisecond, Longest: 4 * time.Second, Tries: 6}, func(func()) error {
		attempt++
		return r.finish(rec, run.ID, o)
	}, func(err error, _ time.Duration) {
		r.log.WarnContext(ctx, "recording an action run's outcome", "run", run.ID, "attempt", attempt, "err", err)
	})
	if err != nil {
		r.log.ErrorContext(ctx, "could not record an action run's outcome; it will become unknown when its lease ends",
			"run", run.ID, "outcome", o.status, "err", err)
		return
	}
	r.watches.do(func() { r.verifyEffect(ctx, run, integ, req, o) })
}

// call runs the integration once, turning a panic into a failure.
func call(ctx context.Context, log *slog.Logger, integ Integration, req Request) (o outcome) {
	start := time.Now()
	defer func() {
		o.took = time.Since(start)
		if p := recover(); p != nil {
			o = outcome{status: storage.RunUnknown, took: time.Since(start),
				err: fmt.Errorf("the integration crashed (%v); it may or may not have taken effect", p)}
			log.ErrorContext(ctx, "integration panic", "run", req.RunID, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	res, err := integ.Run(ctx, req)
	switch {
	case err == nil:
		return outcome{status: storage.RunSucceeded, res: res}
	case IsIndeterminate(err) || ctx.Err() != nil:
		return outcome{status: storage.RunUnknown, res: res, err: err}
	default:
		return outcome{status: storage.RunFailed, res: res, err: err}
	}
}

// finish records the outcome of a run in its own transaction.
func (r *Runner) finish(ctx context.Context, runID string, o outcome) error {
	return r.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		run, err := q.GetActionRun(ctx, runID)
		if err != nil {
			return err
		}
		return r.engine.RunAsSystem(ctx, q, run.IncidentID, incident.SourceAction, func(ctx context.Context, tx *bot.Tx) error {
			tx.KeepCard()
			run, err := tx.Q.GetActionRun(ctx, runID) // again, now that the incident is locked
			if err != nil {
				return err
			}
			late := false
			switch {
			case run.Status == storage.RunRunning:
			case run.Status == storage.RunUnknown && run.VerifiedAt == nil && o.status != storage.RunUnknown:
				late = true // it was presumed lost; the answer came after all
			default:
				r.log.WarnContext(ctx, "an action run's outcome came after it was settled; keeping the settled one",
					"run", run.ID, "status", run.Status, "outcome", o.status)
				return nil
			}
			from := run.Status
			run.Status, run.FinishedAt, run.LeaseUntil, run.UpdatedAt = o.status, &tx.Now, nil, tx.Now
			// What the integration answered is stored, shown and audited:
			// its error body may quote the credential it was sent.
			run.Summary, run.URL, run.Output = tx.Redact(o.res.Summary), tx.Redact(o.res.URL), tx.Redact(o.res.Output)
			run.Error = ""
			if o.err != nil {
				run.Error = tx.Redact(o.err.Error())
			}
			if err := tx.Q.UpdateActionRun(ctx, &run, from); err != nil {
				return fmt.Errorf("record outcome of run %s: %w", run.ID, err)
			}
			if err := r.recordOutcome(ctx, tx, run, late); err != nil {
				return err
			}
			r.testPause(ctx, pauseStored, run.ID)
			return nil
		})
	})
}

// recordOutcome writes what a finished run's outcome means, inside tx: the
// event, the audit row, the progress message, and the question that
// follows (did it take effect? is impact mitigated?).
func (r *Runner) recordOutcome(ctx context.Context, tx *bot.Tx, run storage.ActionRun, late bool) error {
	inc := tx.Incident
	data := runData(run)
	var kind incident.Kind
	text := run.Summary
	switch run.Status {
	case storage.RunSucceeded:
		kind = incident.KindActionSucceeded
		if text == "" {
			text = run.Title + " succeeded"
		}
		if run.URL != "" {
			data["url"] = run.URL
		}
	case storage.RunFailed:
		kind, text = incident.KindActionFailed, run.Error
	default:
		kind, text = incident.KindActionUnknown, run.Error
	}
	if late {
		data["late"] = true
		text += " (this answer came after the run was presumed lost)"
	}
	took := tookOf(run)
	data["duration_ms"] = took.Milliseconds()
	tx.Record(incident.NewEvent(tx.Now, kind, incident.System, text, data))
	detail := map[string]any{"summary": run.Summary, "url": run.URL, "error": run.Error}
	if late {
		detail["late"] = true
	}
	if err := auditRun(ctx, tx, incident.System, run, StepFinished, string(run.Status), detail, took); err != nil {
		return err
	}
	tx.UpdateInIncident(progressKey(inc, run.ID), r.progressMessage(run))
	switch {
	case run.Status == storage.RunUnknown:
		tx.PostToIncident(verifyKey(inc, run.ID), verifyQuestion(run))
	case late:
		tx.UpdateInIncident(verifyKey(inc, run.ID), lateAnswer(run))
	}
	if run.Status == storage.RunSucceeded && (Action{Kind: run.Kind}).Mitigates() && inc.Open() && inc.Impact == incident.ImpactOngoing {
		tx.PostToIncident(effectKey(inc, run.ID), mitigationQuestion(run))
	}
	return nil
}

// lateAnswer replaces the verify question when the outcome arrived after
// all.
func lateAnswer(run storage.ActionRun) bot.Message {
	var m bot.Message
	m.Textf("Did *%s* take effect? Its answer came late: it %s.", run.Title, run.Status)
	m.Context(bot.Textf("run %s", shortID(run.ID)))
	m.Fallback = run.Title + ": " + string(run.Status)
	return m
}
