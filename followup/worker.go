package followup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// Creator creates a ticket in a tracker. Errors are *actiontype.Error,
// classified (retryable, may have run) as the integrations' kit does.
type Creator interface {
	CreateTicket(ctx context.Context, title, body string) (key, link string, err error)
}

// Checker tells whether a ticket is done.
type Checker interface {
	TicketDone(ctx context.Context, key string) (bool, error)
}

// systemRunner runs a unit of work of the bot itself (bot.Engine).
type systemRunner interface {
	RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *bot.Tx) error) error
	IncidentURL(key string, now time.Time) string
}

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	Store   storage.Store
	Engine  systemRunner
	Tracker string // its name in messages ("jira")
	Creator Creator
	Checker Checker
	Clock   clock.Clock
	Logger  *slog.Logger
	// Poll is how often pending tickets are looked for (default 2s).
	Poll time.Duration
	// CheckEvery is how often a created ticket's state is asked (default
	// 10m).
	CheckEvery time.Duration
	// Lease is how long a claimed follow-up is this worker's (default 1m);
	// one still creating after it is unknown.
	Lease time.Duration
	// MaxAttempts bounds the tries of a ticket the tracker refused for now
	// (rate limited, unreachable) before it is given up as failed
	// (default 5).
	MaxAttempts int
}

// Worker creates the tickets of follow-ups, at most once each, and keeps
// their states. Any number of workers on any number of replicas may share
// a store: a ticket is claimed, its call made once, and its outcome
// recorded with the announcement and the timeline event in one
// transaction, through the engine and the outbox.
type Worker struct{ o WorkerOptions }

// NewWorker fills in defaults.
func NewWorker(o WorkerOptions) *Worker {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = 10 * time.Minute
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	return &Worker{o: o}
}

// Run creates tickets and checks states until ctx is done.
func (w *Worker) Run(ctx context.Context) error {
	poll := time.NewTicker(w.o.Poll)
	defer poll.Stop()
	for {
		for {
			did, err := w.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.o.Logger.WarnContext(ctx, "follow-up ticket", "err", err)
			}
			if !did || err != nil {
				break
			}
		}
		if _, err := w.CheckStates(ctx, 50); err != nil && ctx.Err() == nil {
			w.o.Logger.WarnContext(ctx, "follow-up ticket states", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		}
	}
}

// outcome is what a tracker's answer means for a ticket.
type outcome int

const (
	created outcome = iota
	failed          // refused: nothing was created
	retry           // not created, for sure, for now (429, unreachable)
	unknown         // may have been created: never sent again by itself
)

// classify reads a CreateTicket error.
func classify(err error) (outcome, time.Duration) {
	if err == nil {
		return created, 0
	}
	e, ok := errors.AsType[*actiontype.Error](err)
	switch {
	case !ok:
		return unknown, 0
	case e.MayHaveRun:
		return unknown, 0
	case e.Status == http.StatusTooManyRequests:
		return retry, time.Minute
	case e.Status == 0 && e.Retryable:
		return retry, 30 * time.Second // never reached the tracker
	case e.Status >= 500:
		return unknown, 0 // the tracker may have made it before failing
	}
	return failed, 0
}

// RunOnce claims one pending ticket and creates it. It reports whether
// there was one (or an expired claim to report).
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	now := w.o.Clock.Now()
	it, expired, err := w.o.Store.ClaimTicket(ctx, now, w.o.Lease)
	for _, x := range expired {
		if err := w.report(ctx, x, unknown, "", "", x.LastError); err != nil {
			return true, err
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		return len(expired) > 0, nil
	}
	if err != nil {
		return false, err
	}
	title, body, err := w.ticketText(ctx, it, now)
	if err != nil {
		return true, err
	}
	key, link, cerr := w.o.Creator.CreateTicket(ctx, title, body)
	if ctx.Err() != nil && cerr != nil {
		// Shutting down mid-call: the lease runs out and the claim is
		// reported unknown, never sent again.
		return true, ctx.Err()
	}
	what, wait := classify(cerr)
	msg := ""
	if cerr != nil {
		msg = cerr.Error()
	}
	if what == retry && it.Attempts < w.o.MaxAttempts {
		w.o.Logger.InfoContext(ctx, "follow-up ticket: the tracker refused for now; trying later", "follow_up", it.ID, "err", msg)
		return true, w.o.Store.RetryTicket(ctx, it.ID, it.Attempts, w.o.Clock.Now().Add(wait), msg)
	}
	if what == retry {
		what = failed
	}
	o := storage.TicketOutcome{Key: key, URL: link, Error: msg}
	switch what {
	case created:
		o.Status = storage.TicketCreated
	case failed:
		o.Status = storage.TicketFailed
	default:
		o.Status = storage.TicketUnknown
	}
	err = w.o.Store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.FinishTicket(ctx, it.ID, it.Attempts, o); err != nil {
			return err
		}
		return w.announce(ctx, q, it, what, key, link, msg)
	})
	if errors.Is(err, storage.ErrConflict) {
		return true, nil // claimed again since: its outcome is the other worker's
	}
	return true, err
}

// report says in the channel and on the timeline what became of a ticket
// found unknown outside of a call.
func (w *Worker) report(ctx context.Context, it storage.FollowUp, what outcome, key, link, msg string) error {
	return w.o.Store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return w.announce(ctx, q, it, what, key, link, msg)
	})
}

// announce records the outcome on the timeline and says it in the channel.
func (w *Worker) announce(ctx context.Context, q storage.Querier, it storage.FollowUp, what outcome, key, link, msg string) error {
	return w.o.Engine.RunAsSystem(ctx, q, it.IncidentID, incident.SourceSystem, func(ctx context.Context, tx *bot.Tx) error {
		tx.KeepCard()
		data := map[string]any{"follow_up": it.ID, "tracker": w.o.Tracker}
		var text string
		switch what {
		case created:
			data["outcome"], data["key"], data["url"] = "created", key, link
			text = fmt.Sprintf("Ticket %s created in %s: %s", key, w.o.Tracker, it.Text)
			tx.Announce(bot.Rich{bot.Plain("🎫 Follow-up ticket ")[0], bot.Link(link, key), bot.Plain(" created in " + w.o.Tracker + ": " + it.Text)[0]})
		case failed:
			data["outcome"], data["error"] = "failed", msg
			text = fmt.Sprintf("No %s ticket for follow-up %q: %s", w.o.Tracker, it.Text, msg)
			tx.Announce(bot.Textf("⚠️ %s refused the ticket of follow-up %q: %s. It stays on the timeline; create it by hand.", w.o.Tracker, it.Text, msg))
		default:
			data["outcome"], data["error"] = "unknown", msg
			text = fmt.Sprintf("Unknown whether %s created the ticket of follow-up %q: %s", w.o.Tracker, it.Text, msg)
			tx.Announce(bot.Textf("❓ %s may or may not have created the ticket of follow-up %q (%s). Tourniquet will not send it again: check %s and create it by hand if it is missing.",
				w.o.Tracker, it.Text, msg, w.o.Tracker))
		}
		tx.Record(incident.NewEvent(tx.Now, incident.KindFollowUpTicket, incident.System, text, data))
		return nil
	})
}

// ticketText is a follow-up's ticket: its text as the title, and where it
// comes from in the body (plain lines; each tracker renders them as text).
func (w *Worker) ticketText(ctx context.Context, it storage.FollowUp, now time.Time) (title, body string, err error) {
	inc, err := w.o.Store.GetIncident(ctx, it.IncidentID)
	if err != nil {
		return "", "", fmt.Errorf("load incident of follow-up %d: %w", it.ID, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Follow-up of %s (%s): %s\n", inc.Key, strings.ToUpper(string(inc.Severity)), inc.Title)
	fmt.Fprintf(&b, "Recorded by %s on %s.\n", it.CreatedBy.Display(), it.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))
	if !it.Owner.IsZero() {
		fmt.Fprintf(&b, "Owner: %s\n", it.Owner.Display())
	}
	if u := w.o.Engine.IncidentURL(inc.Key, now); u != "" {
		fmt.Fprintf(&b, "\n%s\n", u)
	}
	return it.Text, b.String(), nil
}

// CheckStates asks the tracker the state of up to limit created tickets
// not checked for CheckEvery, and records it. It returns how many were
// checked; a failed check is tried again at the next round.
func (w *Worker) CheckStates(ctx context.Context, limit int) (int, error) {
	if w.o.Checker == nil {
		return 0, nil
	}
	now := w.o.Clock.Now()
	due, err := w.o.Store.DueTicketChecks(ctx, now.Add(-w.o.CheckEvery), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, it := range due {
		done, err := w.o.Checker.TicketDone(ctx, it.TicketKey)
		state := storage.TicketOpen
		switch {
		case err != nil:
			// Keep what was known, and ask again at the next round, not
			// at every poll.
			errs = append(errs, fmt.Errorf("state of %s: %w", it.TicketKey, err))
			state = it.TicketState
		case done:
			state = storage.TicketDone
		}
		if err := w.o.Store.SetTicketState(ctx, it.ID, state, now); err != nil {
			return n, err
		}
		if err == nil {
			n++
		}
	}
	return n, errors.Join(errs...)
}
