package paging

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Engine is what the worker needs of the chat engine (bot.Engine).
type Engine interface {
	RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *bot.Tx) error) error
	IncidentURL(key string, now time.Time) string
}

// Outcomes of a page, as the page_sent event records them.
const (
	OutcomeSent    = "sent"
	OutcomeFailed  = "failed"
	OutcomeUnknown = "unknown"
)

// Run sends pages through engine until ctx is done.
func (s *Service) Run(ctx context.Context, engine Engine) error {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		if _, err := s.SendAll(ctx, engine); err != nil && ctx.Err() == nil {
			s.o.Logger.WarnContext(ctx, "paging failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// SendAll reports pages whose sender stopped mid-call as unknown, then
// sends every page that is due, and says how many it sent or settled.
func (s *Service) SendAll(ctx context.Context, engine Engine) (int, error) {
	// Marking a page unknown and saying so commit together: a page is
	// never unknown without the timeline and the channel knowing.
	var lost []storage.Page
	err := s.o.Store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		var err error
		if lost, err = q.ExpirePages(ctx, s.o.Clock.Now()); err != nil {
			return err
		}
		for _, p := range lost {
			if err := s.record(ctx, q, engine, p, OutcomeUnknown, p.LastError); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, p := range lost {
		if s.o.OnOutcome != nil {
			s.o.OnOutcome(p.Target, p.Action, OutcomeUnknown)
		}
	}
	n := len(lost)
	for {
		did, err := s.SendOne(ctx, engine)
		if err != nil || !did {
			return n, err
		}
		n++
	}
}

// lease is how long a claimed page is this worker's: the call's time and
// room to record it.
func (s *Service) lease() time.Duration { return s.o.Timeout + 30*time.Second }

// SendOne claims one due page, calls its target, and records the outcome;
// false when none is due.
func (s *Service) SendOne(ctx context.Context, engine Engine) (bool, error) {
	p, err := s.o.Store.ClaimPage(ctx, s.o.Clock.Now(), s.lease())
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	inc, err := s.o.Store.GetIncident(ctx, p.IncidentID)
	if err != nil {
		return true, err
	}
	t, ok := s.targets[p.Target]
	var callErr error
	if !ok {
		callErr = fmt.Errorf("paging target %q is no longer configured", p.Target)
	} else {
		cctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
		callErr = t.Pager.Page(cctx, s.requestOf(p, inc, engine))
		cancel()
	}
	if ctx.Err() != nil {
		return true, ctx.Err() // shutting down: the lease runs out and the page is reported unknown
	}
	now := s.o.Clock.Now()
	status, outcome, next, msg := storage.PageSent, OutcomeSent, now, ""
	switch {
	case callErr == nil:
	case actiontype.IsIndeterminate(callErr):
		status, outcome, msg = storage.PageUnknown, OutcomeUnknown, callErr.Error()
	case actiontype.IsRetryable(callErr) && p.Attempts < s.o.MaxAttempts:
		status, msg = storage.PagePending, callErr.Error()
		next = now.Add(s.o.RetryDelay << (p.Attempts - 1))
	default:
		status, outcome, msg = storage.PageFailed, OutcomeFailed, callErr.Error()
	}
	err = s.o.Store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.FinishPage(ctx, p.ID, p.Attempts, status, next, msg, now); err != nil {
			return err
		}
		if status == storage.PagePending {
			return nil // tried again later; the timeline gets the final outcome
		}
		return s.record(ctx, q, engine, p, outcome, msg)
	})
	if errors.Is(err, storage.ErrConflict) {
		return true, nil // reported unknown meanwhile: the report stands
	}
	if err == nil && status != storage.PagePending && s.o.OnOutcome != nil {
		s.o.OnOutcome(p.Target, p.Action, outcome)
	}
	return true, err
}

// requestOf is the call a page makes.
func (s *Service) requestOf(p storage.Page, inc *incident.Incident, engine Engine) actiontype.PageRequest {
	return actiontype.PageRequest{Action: actiontype.PageAction(p.Action), Key: inc.Key,
		Summary:  fmt.Sprintf("%s %s: %s", inc.Key, strings.ToUpper(string(inc.Severity)), inc.Title),
		Severity: inc.Severity, Message: p.Message, URL: engine.IncidentURL(inc.Key, s.o.Clock.Now()), Services: inc.Services}
}

// record puts the page's outcome on the timeline, and says a failure (or
// an unknown outcome) in the channel, in q.
func (s *Service) record(ctx context.Context, q storage.Querier, engine Engine, p storage.Page, outcome, msg string) error {
	return engine.RunAsSystem(ctx, q, p.IncidentID, incident.SourceSystem, func(ctx context.Context, tx *bot.Tx) error {
		tx.KeepCard()
		typ := s.targets[p.Target].Type
		what := "Paged " + p.Target
		if p.Action == string(actiontype.PageResolve) {
			what = "Closed the page of " + p.Target
		}
		data := map[string]any{"target": p.Target, "type": typ, "step": p.Step, "action": p.Action, "outcome": outcome, "page": p.ID}
		if msg != "" {
			data["error"] = msg
		}
		text := fmt.Sprintf("%s (%s): %s", what, typ, outcome)
		tx.Record(incident.NewEvent(tx.Now, incident.KindPageSent, incident.System, text, data))
		switch outcome {
		case OutcomeSent:
			if p.Action == string(actiontype.PageTrigger) {
				tx.Announce(bot.Textf("📟 %s (%s).", what, typ))
			}
		case OutcomeFailed:
			if p.Action == string(actiontype.PageResolve) {
				tx.Announce(bot.Textf("⚠️ %s (%s) failed: %s. Close it there by hand.", what, typ, msg))
			} else {
				tx.Announce(bot.Textf("⚠️ %s (%s) failed: %s. Nobody was paged this way: call them.", what, typ, msg))
			}
		default:
			tx.Announce(bot.Textf("⚠️ %s (%s): the outcome is unknown (%s). Check %s before paging again.", what, typ, msg, p.Target))
		}
		return nil
	})
}
