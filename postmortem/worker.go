package postmortem

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline"
)

// Summarizer writes the narrative summary of an incident from its facts
// (postmortem/openai has one). It sees nothing but the facts.
type Summarizer interface {
	Summarize(ctx context.Context, f timeline.Facts) (string, error)
}

// How a posted summary was written (storage.Draft.Source).
const (
	SourceModel    = "model"
	SourceTemplate = "template"
	SourceFallback = "fallback"
)

// EventLister reads an incident's events; a storage.Querier is one, and so
// is the report pages' cache in front of the store (web.EventCache's
// Lister).
type EventLister interface {
	ListEvents(ctx context.Context, incidentID int64, afterSeq int64, limit int) ([]incident.Event, error)
}

// systemRunner runs a unit of work of the bot itself (bot.Engine).
type systemRunner interface {
	RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *bot.Tx) error) error
	IncidentURL(key string, now time.Time) string
}

// Options configure a Worker.
type Options struct {
	Store  storage.Store
	Engine systemRunner
	// Summarizer writes the narrative; nil posts the template summary.
	Summarizer Summarizer
	// Model names the model in the note under a narrative ("llama3.1").
	Model string
	// Timeout bounds one summary (default 20s); past it the template is
	// posted with a note saying so.
	Timeout time.Duration
	// Redact removes secrets from every text sent to the summarizer.
	Redact func(string) string
	// Events, if set, reads the timelines instead of Store: cmd/internal/app
	// passes the pages' cache, so that the link the draft posts opens warm.
	Events EventLister
	Clock  clock.Clock
	Logger *slog.Logger
	// Poll is how often pending drafts are looked for (default 2s).
	Poll time.Duration
	// MaxAttempts is how many claims may try the model; later ones post
	// the template at once (default 3).
	MaxAttempts int
}

// Worker writes and posts requested postmortem drafts. Any number of
// workers on any number of replicas may run on one store: each request is
// claimed with a lease and posted once, in the transaction that marks it
// posted, through the engine and the outbox.
type Worker struct{ o Options }

// NewWorker fills in defaults.
func NewWorker(o Options) *Worker {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Redact == nil {
		o.Redact = NewRedactor(nil)
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.Events == nil {
		o.Events = o.Store
	}
	return &Worker{o: o}
}

// lease is how long a claimed draft is this worker's: the model's time
// plus room to post.
func (w *Worker) lease() time.Duration { return w.o.Timeout + 30*time.Second }

// Run posts drafts until ctx is done.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.o.Poll)
	defer t.Stop()
	for {
		for {
			did, err := w.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.o.Logger.WarnContext(ctx, "postmortem draft failed; it will be retried", "err", err)
			}
			if !did || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce claims one pending draft, writes it and posts it. It reports
// whether there was one.
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	d, err := w.o.Store.ClaimDraft(ctx, w.o.Clock.Now(), w.lease())
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	key := incident.KeyFor(d.IncidentID)
	x, err := w.load(ctx, d.IncidentID, w.o.Clock.Now())
	if err != nil {
		return true, err
	}
	facts := timeline.FactsOf(x, w.o.Redact)
	summary, source, note, lastErr := w.summarize(ctx, d, facts)
	if ctx.Err() != nil {
		return true, ctx.Err() // shutting down: the lease runs out and another worker posts it
	}
	now := w.o.Clock.Now()
	msg := DraftMessage(x, summary, note, w.o.Engine.IncidentURL(key, now))
	err = w.o.Store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.FinishDraft(ctx, d.ID, d.Attempts, now, source, lastErr); err != nil {
			return err
		}
		return w.o.Engine.RunAsSystem(ctx, q, d.IncidentID, incident.SourceSystem, func(ctx context.Context, tx *bot.Tx) error {
			tx.KeepCard()
			tx.PostToIncident("", msg)
			if source == SourceFallback {
				// A downstream failure is said in the channel and on the timeline.
				tx.Record(incident.NewEvent(now, incident.KindNote, incident.System,
					"Postmortem draft: "+note, map[string]any{"postmortem_draft": d.ID, "summary_source": source}))
			}
			return nil
		})
	})
	if errors.Is(err, storage.ErrConflict) {
		w.o.Logger.InfoContext(ctx, "postmortem draft taken over by another worker", "incident", key, "draft", d.ID)
		return true, nil
	}
	if err != nil {
		return true, fmt.Errorf("post draft of %s: %w", key, err)
	}
	w.o.Logger.InfoContext(ctx, "postmortem draft posted", "incident", key, "draft", d.ID, "source", source)
	return true, nil
}

// load builds the export of an incident as of now.
func (w *Worker) load(ctx context.Context, id int64, now time.Time) (timeline.Export, error) {
	inc, err := w.o.Store.GetIncident(ctx, id)
	if err != nil {
		return timeline.Export{}, fmt.Errorf("load %s: %w", incident.KeyFor(id), err)
	}
	events, err := w.o.Events.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil {
		return timeline.Export{}, fmt.Errorf("load events of %s: %w", inc.Key, err)
	}
	return timeline.Build(inc, events, now), nil
}

// summarize writes the summary: by the model when there is one, else by
// the template; a failure or timeout of the model falls back to the
// template and says so.
func (w *Worker) summarize(ctx context.Context, d storage.Draft, f timeline.Facts) (summary, source, note, lastErr string) {
	tmpl := timeline.TemplateSummary(f)
	if w.o.Summarizer == nil {
		return tmpl, SourceTemplate, "Template summary (no language model is configured).", ""
	}
	if d.Attempts > w.o.MaxAttempts {
		lastErr = fmt.Sprintf("gave up on the language model after %d attempts", d.Attempts-1)
		return tmpl, SourceFallback, lastErr + ", so this is the template summary.", lastErr
	}
	mctx, cancel := context.WithTimeout(ctx, w.o.Timeout)
	text, err := w.o.Summarizer.Summarize(mctx, f)
	timedOut := errors.Is(mctx.Err(), context.DeadlineExceeded)
	cancel()
	text = cleanModelText(text)
	switch {
	case err == nil && text != "":
		model := w.o.Model
		if model == "" {
			model = "a language model"
		}
		return text, SourceModel, "Written by " + model + " from the timeline facts only. Check it before you paste it into the postmortem.", ""
	case ctx.Err() != nil:
		return tmpl, SourceFallback, "", "shutting down"
	case timedOut:
		lastErr = fmt.Sprintf("the language model did not answer within %s", w.o.Timeout)
	case err == nil:
		lastErr = "the language model returned no text"
	default:
		lastErr = "the language model failed: " + w.o.Redact(err.Error())
	}
	return tmpl, SourceFallback, lastErr + ", so this is the template summary.", lastErr
}
