package readiness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// DefaultPreflightEvery is how often the scheduled preflights run.
const DefaultPreflightEvery = 24 * time.Hour

// preflightTimeout bounds one action's preflight.
const preflightTimeout = 20 * time.Second

// RunPreflights runs the read-only preflight of every action with an
// integration, at most one at a time, and returns the results by action
// ID. An integration that does not implement actiontype.Preflighter, or
// has nothing configured to check, is "unchecked". redact scrubs each
// failure's text (nil: as is; the integrations scrub their own secrets).
func RunPreflights(ctx context.Context, acts []config.Action, ints map[string]actiontype.Integration, now func() time.Time, redact func(string) string) map[string]storage.PreflightResult {
	out := map[string]storage.PreflightResult{}
	for _, a := range acts {
		if a.Integration == "" {
			continue
		}
		r := storage.PreflightResult{ActionID: a.ID, Integration: a.Integration}
		integ := ints[a.Integration]
		pf, ok := integ.(actiontype.Preflighter)
		if !ok {
			r.CheckedAt, r.Detail = now(), errNoPreflightText
			out[a.ID] = r
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, preflightTimeout)
		err := pf.Preflight(cctx, actiontype.Request{ActionID: a.ID, ActionTitle: a.Title, Params: a.Params, At: now()})
		cancel()
		r.CheckedAt = now()
		switch {
		case err == nil:
			r.OK = true
		case errors.Is(err, actiontype.ErrNoPreflight):
			r.Detail = errNoPreflightText
		default:
			r.Detail = err.Error()
			if redact != nil {
				r.Detail = redact(r.Detail)
			}
		}
		out[a.ID] = r
	}
	return out
}

// PreflightOptions tune a PreflightScheduler.
type PreflightOptions struct {
	Store        storage.Store
	Clock        clock.Clock
	Logger       *slog.Logger
	Actions      []config.Action
	Integrations map[string]actiontype.Integration
	// Every is how often the preflights run (DefaultPreflightEvery).
	Every time.Duration
	// Poll is how often a replica looks whether they are due (1m).
	Poll time.Duration
	// Redact scrubs failure texts before they are stored.
	Redact func(string) string
	// OnResult, if set, is told each result (cmd/internal/app turns them
	// into gauges).
	OnResult func(storage.PreflightResult)
}

// PreflightScheduler runs the preflights on a schedule, claimed once
// across replicas (storage.ReadinessStore.ClaimScheduledRun), and stores
// their results.
type PreflightScheduler struct{ o PreflightOptions }

// preflightJob is the name of the preflights' schedule row.
const preflightJob = "preflights"

// NewPreflightScheduler builds a scheduler.
func NewPreflightScheduler(o PreflightOptions) (*PreflightScheduler, error) {
	if o.Store == nil {
		return nil, fmt.Errorf("preflights: a store is required")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Every <= 0 {
		o.Every = DefaultPreflightEvery
	}
	if o.Poll <= 0 {
		o.Poll = time.Minute
	}
	return &PreflightScheduler{o: o}, nil
}

// Run checks every Poll whether the preflights are due until ctx is done.
func (p *PreflightScheduler) Run(ctx context.Context) error {
	t := time.NewTicker(p.o.Poll)
	defer t.Stop()
	for {
		if _, err := p.RunDue(ctx); err != nil && ctx.Err() == nil {
			p.o.Logger.ErrorContext(ctx, "preflights failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunDue runs the preflights if they are due and this replica claims
// them; it reports whether it ran them. The claim moves the next run a
// period ahead first, so a replica that dies mid-run leaves the next one
// to the schedule rather than to a retry storm.
func (p *PreflightScheduler) RunDue(ctx context.Context) (bool, error) {
	now := p.o.Clock.Now()
	won, err := p.o.Store.ClaimScheduledRun(ctx, preflightJob, now, now.Add(p.o.Every))
	if err != nil || !won {
		return false, err
	}
	results := RunPreflights(ctx, p.o.Actions, p.o.Integrations, p.o.Clock.Now, p.o.Redact)
	var errs []error
	for _, id := range sortedKeys(results) {
		r := results[id]
		if err := p.o.Store.SavePreflightResult(ctx, r); err != nil {
			errs = append(errs, err)
		}
		if p.o.OnResult != nil {
			p.o.OnResult(r)
		}
		if !r.OK && r.Detail != errNoPreflightText {
			p.o.Logger.WarnContext(ctx, "preflight failed", "action", r.ActionID, "integration", r.Integration, "detail", r.Detail)
		}
	}
	return true, errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	out := mapsKeys(m)
	slices.Sort(out)
	return out
}
