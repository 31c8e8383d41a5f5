package actions

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/retry"
	"github.com/tourniquet/tourniquet/storage"
)

// Defaults of the effect verification (RunnerOptions).
const (
	DefaultVerifyTimeout = 5 * time.Minute
	DefaultVerifyFirst   = 2 * time.Second
	DefaultVerifyLongest = 20 * time.Second
)

// errNotYet is a look that did not see the effect yet: look again.
var errNotYet = errors.New("not in effect yet")

// verifyEffect watches, after a run succeeded through an integration that
// is an actiontype.Verifier, whether the system reaches the state the
// action meant, within VerifyTimeout, looking again with a growing wait
// (internal/retry). What it saw is recorded on the timeline,
// action_effective or action_ineffective, and said in the channel through
// the outbox. A check that cannot be made (401, 404) is said as such: it
// is neither. Nothing is recorded when the runner stops first; the run
// itself is recorded already.
func (r *Runner) verifyEffect(ctx context.Context, run storage.ActionRun, integ Integration, req Request, o outcome) {
	v, ok := integ.(actiontype.Verifier)
	if !ok || o.status != storage.RunSucceeded {
		return
	}
	vctx, cancel := context.WithTimeout(ctx, r.o.VerifyTimeout)
	defer cancel()
	var (
		last   actiontype.Effect
		looks  int
		broken error
	)
	err := retry.Do(vctx, retry.Policy{First: r.o.VerifyFirst, Longest: r.o.VerifyLongest}, func(func()) error {
		looks++
		e, err := v.Verify(vctx, req, o.res)
		switch {
		case err != nil && !actiontype.IsRetryable(err) && vctx.Err() == nil && errors.As(err, new(*actiontype.Error)):
			broken = err
			return retry.Permanent(err)
		case err != nil:
			return err
		}
		last = e
		switch {
		case e.Effective:
			return nil
		case e.Final:
			return retry.Permanent(errNotYet)
		}
		return errNotYet
	}, nil)
	if ctx.Err() != nil {
		return // shutting down: the runner's context ended, not the verification's time
	}
	res := verification{looks: looks, seen: last.Seen}
	switch {
	case err == nil:
		res.kind = incident.KindActionEffective
	case broken != nil:
		res.kind, res.err = incident.KindNote, broken
	default:
		res.kind = incident.KindActionIneffective
		if res.seen == "" {
			res.seen = "no answer that says so"
			if !errors.Is(err, errNotYet) && !errors.Is(err, context.DeadlineExceeded) {
				res.seen = err.Error()
			}
		}
	}
	rec := context.WithoutCancel(ctx)
	if err := retry.Do(rec, retry.Policy{First: 200 * time.Millisecond, Longest: 4 * time.Second, Tries: 6}, func(func()) error {
		return r.recordEffect(rec, run, res)
	}, nil); err != nil {
		r.log.ErrorContext(ctx, "could not record an action's effect", "run", run.ID, "err", err)
	}
}

// verification is what the watch of a run's effect concluded.
type verification struct {
	kind  incident.Kind
	seen  string
	err   error
	looks int
}

// recordEffect writes the verification on the timeline and in the channel.
func (r *Runner) recordEffect(ctx context.Context, run storage.ActionRun, v verification) error {
	return r.store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return r.engine.RunAsSystem(ctx, q, run.IncidentID, incident.SourceAction, func(ctx context.Context, tx *bot.Tx) error {
			tx.KeepCard()
			afterClick := tx.Now.Sub(run.RequestedAt)
			data := withData(runData(run), map[string]any{"seen": tx.Redact(v.seen), "looks": v.looks,
				"after_click_ms": afterClick.Milliseconds(), "timeout_ms": r.o.VerifyTimeout.Milliseconds()})
			var m bot.Message
			var text string
			switch v.kind {
			case incident.KindActionEffective:
				text = fmt.Sprintf("%s took effect %s after the click: %s", run.Title, preciseDuration(afterClick), v.seen)
				m.Color = "good"
				m.Textf("🔎 *%s* took effect %s after the click: %s", run.Title, preciseDuration(afterClick), tx.Redact(v.seen))
			case incident.KindActionIneffective:
				text = fmt.Sprintf("%s did not take effect within %s: %s", run.Title, bot.FormatDuration(r.o.VerifyTimeout), v.seen)
				m.Color = "danger"
				m.Textf("⚠️ *%s* reported success, but did not take effect within %s: %s. Check it, and try another move.",
					run.Title, bot.FormatDuration(r.o.VerifyTimeout), tx.Redact(v.seen))
			default:
				data["checked"] = false
				data["error"] = tx.Redact(v.err.Error())
				text = fmt.Sprintf("Could not check whether %s took effect: %s", run.Title, v.err.Error())
				m.Textf("❔ Tourniquet could not check whether *%s* took effect (%s). Check it yourself.", run.Title, tx.Redact(v.err.Error()))
			}
			m.Context(bot.Textf("run %s", shortID(run.ID)))
			m.Fallback = tx.Redact(text)
			tx.Record(incident.NewEvent(tx.Now, v.kind, incident.System, tx.Redact(text), data))
			tx.PostToIncident(progressKey(tx.Incident, run.ID)+"/verified", m)
			return nil
		})
	})
}

// preciseDuration is a duration to the second ("2m10s"): how long a
// rollback took to take effect is worth the seconds.
func preciseDuration(d time.Duration) string { return d.Round(time.Second).String() }

// watcher runs the watches of effects: inline (Step, tests), or, once
// detached (Run), each on its own goroutine, so that a rollback watched
// for minutes does not hold one of the runner's slots while a kill switch
// waits. wait waits for the detached ones, which end soon after the
// runner's context does.
type watcher struct {
	detach bool
	wg     sync.WaitGroup
}

func (w *watcher) do(f func()) {
	if !w.detach {
		f()
		return
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		f()
	}()
}

func (w *watcher) wait() { w.wg.Wait() }
