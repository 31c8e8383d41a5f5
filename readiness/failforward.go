package readiness

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// Outcomes of a fail-forward deadline, as stored.
const (
	// DeadlineAsked: impact was still ongoing; the bot asked again.
	DeadlineAsked = "asked"
	// DeadlineHeld: impact was mitigated by the deadline.
	DeadlineHeld = "held"
	// DeadlineResolved: the incident was resolved by then.
	DeadlineResolved = "resolved"
)

// Hook stores the deadline of every fail-forward decision taken with one,
// in the unit of work that records the decision, and grades a drill when
// it is resolved. Give it to bot.NewEngine in Options.Hooks.
type Hook struct{}

// OnEvents implements bot.Hook: it keeps fail-forward deadlines and
// grades a drill at its resolution.
func (Hook) OnEvents(ctx context.Context, tx *bot.Tx, evs []incident.Event) error {
	for _, ev := range evs {
		if ev.Kind == incident.KindResolved {
			if err := gradeDrill(ctx, tx); err != nil {
				return fmt.Errorf("drill: %w", err)
			}
			continue
		}
		if ev.Kind != incident.KindFailForward {
			continue
		}
		due, ok := incident.FailForwardDeadline(ev)
		if !ok {
			continue
		}
		d := storage.FailForwardDeadline{IncidentID: tx.Incident.ID, EventID: ev.ID, DecidedAt: ev.At, DueAt: due}
		if err := tx.Q.AddFailForwardDeadline(ctx, &d); err != nil {
			return fmt.Errorf("fail-forward deadline: %w", err)
		}
	}
	return nil
}

// SystemRunner runs a unit of work of the bot itself on an incident
// (*bot.Engine).
type SystemRunner interface {
	RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *bot.Tx) error) error
}

// DeadlineOptions tune a DeadlineSweeper. Zero values take the defaults.
type DeadlineOptions struct {
	// Store is where due deadlines are claimed (required).
	Store storage.Store
	// Clock tells the time (default the real one).
	Clock  clock.Clock
	Logger *slog.Logger
	// Poll is how often the sweeper looks for due deadlines (default 5s:
	// a deadline is minutes long).
	Poll time.Duration
	// Batch is how many deadlines one transaction claims (default 20).
	Batch int
}

// DeadlineSweeper asks again when a fail-forward deadline passes with
// impact still ongoing. Any number of sweepers may share one store.
type DeadlineSweeper struct {
	engine SystemRunner
	o      DeadlineOptions
}

// NewDeadlineSweeper builds a sweeper that posts through engine.
func NewDeadlineSweeper(engine SystemRunner, o DeadlineOptions) (*DeadlineSweeper, error) {
	if o.Store == nil {
		return nil, fmt.Errorf("fail-forward deadlines: a store is required")
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 20
	}
	return &DeadlineSweeper{engine: engine, o: o}, nil
}

// Run sweeps until ctx is done.
func (s *DeadlineSweeper) Run(ctx context.Context) error {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.o.Logger.ErrorContext(ctx, "fail-forward deadline sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sweep handles every deadline due now and returns how many it asked
// about again. Each is claimed and marked in the transaction that posts
// its question, so a crash leaves it due, never half-asked.
func (s *DeadlineSweeper) Sweep(ctx context.Context) (int, error) {
	asked := 0
	for {
		var claimed int
		now := s.o.Clock.Now()
		err := s.o.Store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			asked1 := 0
			ds, err := q.ClaimDueFailForwardDeadlines(ctx, now, s.o.Batch)
			if err != nil {
				return err
			}
			claimed = len(ds)
			for _, d := range ds {
				outcome, err := s.fire(ctx, q, d)
				if err != nil {
					return fmt.Errorf("fail-forward deadline %d of incident %d: %w", d.ID, d.IncidentID, err)
				}
				if outcome == DeadlineAsked {
					asked1++
				}
			}
			asked += asked1
			return nil
		})
		if err != nil {
			return asked, err
		}
		if claimed < s.o.Batch {
			return asked, nil
		}
	}
}

// fire handles one due deadline inside the sweep's transaction q.
func (s *DeadlineSweeper) fire(ctx context.Context, q storage.Querier, d storage.FailForwardDeadline) (string, error) {
	var outcome string
	err := s.engine.RunAsSystem(ctx, q, d.IncidentID, incident.SourceSystem, func(ctx context.Context, tx *bot.Tx) error {
		inc := tx.Incident
		tx.KeepCard()
		switch {
		case !inc.Open():
			outcome = DeadlineResolved
		case inc.Impact != incident.ImpactOngoing:
			outcome = DeadlineHeld
		default:
			outcome = DeadlineAsked
			decision, err := decisionOf(ctx, q, d)
			if err != nil {
				return err
			}
			tx.Record(incident.NewEvent(tx.Now, incident.KindFailForwardDeadline, incident.System,
				"the fail-forward deadline passed with customer impact still ongoing",
				map[string]any{"deadline": d.DueAt.UTC().Format(time.RFC3339), "decided_at": d.DecidedAt.UTC().Format(time.RFC3339),
					"decision_event": d.EventID}))
			tx.PostToIncident("", deadlineMessage(inc, decision, d, tx.Actions(), tx.Now))
		}
		return q.FireFailForwardDeadline(ctx, d.ID, tx.Now, outcome)
	})
	return outcome, err
}

// decisionOf finds the fail_forward event that set d.
func decisionOf(ctx context.Context, q storage.Querier, d storage.FailForwardDeadline) (incident.Event, error) {
	var after int64
	for {
		evs, err := q.ListEvents(ctx, d.IncidentID, after, 500)
		if err != nil {
			return incident.Event{}, err
		}
		if i := slices.IndexFunc(evs, func(ev incident.Event) bool { return ev.ID == d.EventID }); i >= 0 {
			return evs[i], nil
		}
		if len(evs) < 500 {
			return incident.Event{Kind: incident.KindFailForward, At: d.DecidedAt}, nil
		}
		after = evs[len(evs)-1].Seq
	}
}

// deadlineMessage asks again: the deadline passed, impact goes on; the
// lead is mentioned, and the rollback and kill switch come first.
func deadlineMessage(inc *incident.Incident, decision incident.Event, d storage.FailForwardDeadline, acts []bot.ActionButton, now time.Time) bot.Message {
	m := bot.Message{Color: "danger", Fallback: fmt.Sprintf("%s: the fail-forward deadline passed and customer impact is still ongoing", inc.Key)}
	m.Header("⏰ Fail-forward deadline passed: " + inc.Key)
	who := decision.Actor
	if !inc.Lead.IsZero() {
		m.Textf("%s, the fix-forward decided at %s had until %s, and customer impact is still ongoing. Roll back or kill it now?",
			inc.Lead, d.DecidedAt.UTC().Format("15:04 UTC"), d.DueAt.UTC().Format("15:04 UTC"))
	} else {
		m.Textf("%s The fix-forward decided at %s had until %s, and customer impact is still ongoing; nobody leads this incident. Roll back or kill it now?",
			bot.Here(), d.DecidedAt.UTC().Format("15:04 UTC"), d.DueAt.UTC().Format("15:04 UTC"))
	}
	if decision.Text != "" {
		if who.IsZero() {
			m.Contextf("The decision: %s", decision.Text)
		} else {
			m.Contextf("%s decided: %s", who.Display(), decision.Text)
		}
	}
	if len(acts) > 0 {
		m.PagedButtons(bot.ActionsPaging(0), bot.ActionButtons(safeFirst(acts))...)
	} else {
		m.Contextf("No mitigation actions are configured for this incident's services: `/incident actions`.")
	}
	m.Contextf("⏱ %s · a new deadline: `/incident fail-forward 30m <reason>`", bot.Clocks(inc, now))
	return m
}

// safeFirst orders the rollbacks and kill switches (the dangerous, fast
// safe moves) before every other action, keeping the catalog's order
// within each group.
func safeFirst(acts []bot.ActionButton) []bot.ActionButton {
	out := slices.Clone(acts)
	slices.SortStableFunc(out, func(a, b bot.ActionButton) int {
		switch {
		case a.Danger == b.Danger:
			return 0
		case a.Danger:
			return -1
		}
		return 1
	})
	return out
}
