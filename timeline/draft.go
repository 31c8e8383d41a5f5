package timeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
)

// Summarizer writes the narrative summary of an incident from its facts
// (integrations/openai has one). It sees nothing but the facts.
type Summarizer interface {
	Summarize(ctx context.Context, f Facts) (string, error)
}

// Draft reasons: why a postmortem draft was asked for.
const (
	ReasonResolved = "resolved"
	ReasonTimeline = "timeline"
)

// How a posted summary was written (storage.Draft.Source).
const (
	SourceModel    = "model"
	SourceTemplate = "template"
	SourceFallback = "fallback"
)

// DraftHook is a bot.Hook that records, inside the resolving command's
// transaction, that a postmortem draft of the incident is wanted. The
// DraftWorker writes and posts it later, outside any transaction.
type DraftHook struct{}

// OnEvents requests a draft when an incident is resolved.
func (DraftHook) OnEvents(ctx context.Context, tx *bot.Tx, evs []incident.Event) error {
	for _, ev := range evs {
		if ev.Kind != incident.KindResolved {
			continue
		}
		d := storage.Draft{IncidentID: ev.IncidentID, Reason: ReasonResolved, RequestedBy: ev.Actor, RequestedAt: ev.At}
		if d.IncidentID == 0 && tx.Incident != nil {
			d.IncidentID = tx.Incident.ID
		}
		if _, err := tx.Q.RequestDraft(ctx, &d); err != nil {
			return fmt.Errorf("request postmortem draft: %w", err)
		}
	}
	return nil
}

// TimelineCommand is the /incident timeline handler: the engine's
// timeline reply to the invoker, and a request for a draft (two clocks,
// link, summary) to be posted in the incident's channel, once per state
// of the incident: asking again before anything changed points to the
// draft already posted (or being written) instead of posting another.
func TimelineCommand(engine *bot.Engine) bot.HandlerFunc {
	return func(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
		inc := tx.Incident
		evs, err := tx.Q.ListEvents(ctx, inc.ID, 0, 0)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("list events: %w", err)
		}
		reply := bot.Reply{Message: bot.TimelineMessage(inc, evs, tx.Now, engine.IncidentURL(inc.Key, tx.Now))}
		what := "postmortem draft"
		if inc.Open() {
			what = "summary"
		}
		ds, err := tx.Q.ListDrafts(ctx, inc.ID)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("drafts of %s: %w", inc.Key, err)
		}
		if d, ok := draftOfState(ds, stateChangedAt(evs)); ok {
			if d.Status == storage.DraftPosted && d.PostedAt != nil {
				reply.Message.Contextf("📝 The %s of %s as it stands was posted in its channel at %s; it is also on the report page.",
					what, inc.Key, d.PostedAt.UTC().Format("15:04 UTC"))
			} else {
				reply.Message.Contextf("📝 A %s of %s as it stands is being written; it will be posted in its channel.", what, inc.Key)
			}
			return reply, nil
		}
		d := storage.Draft{IncidentID: inc.ID, Reason: ReasonTimeline, RequestedBy: tx.Actor(), RequestedAt: tx.Now}
		if _, err := tx.Q.RequestDraft(ctx, &d); err != nil {
			return bot.Reply{}, fmt.Errorf("request postmortem draft: %w", err)
		}
		reply.Message.Contextf("📝 A %s with the two clocks is being written; it will be posted in the incident's channel.", what)
		return reply, nil
	}
}

// stateChangedAt is when the incident last changed in a way its summary
// tells: declared, impact mitigated or back, cause identified, resolved, a
// fail-forward decision, the impact start or the severity moved.
func stateChangedAt(evs []incident.Event) time.Time {
	var at time.Time
	for _, ev := range evs {
		switch ev.Kind {
		case incident.KindDeclared, incident.KindMitigated, incident.KindRegressed, incident.KindDiagnosed,
			incident.KindResolved, incident.KindFailForward, incident.KindImpactStartMoved, incident.KindSeverityChanged:
			if ev.At.After(at) {
				at = ev.At
			}
		}
	}
	return at
}

// draftOfState is the latest draft asked for since the incident's state
// last changed (since), if any: pending or posted, it tells this state.
func draftOfState(ds []storage.Draft, since time.Time) (storage.Draft, bool) {
	for i := len(ds) - 1; i >= 0; i-- {
		if !ds[i].RequestedAt.Before(since) {
			return ds[i], true
		}
	}
	return storage.Draft{}, false
}

// systemRunner runs a unit of work of the bot itself (bot.Engine).
type systemRunner interface {
	RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *bot.Tx) error) error
	IncidentURL(key string, now time.Time) string
}

// DraftOptions configure a DraftWorker.
type DraftOptions struct {
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
	// Cache, if set, reads events through the pages' cache.
	Cache  *EventCache
	Clock  clock.Clock
	Logger *slog.Logger
	// Poll is how often pending drafts are looked for (default 2s).
	Poll time.Duration
	// MaxAttempts is how many claims may try the model; later ones post
	// the template at once (default 3).
	MaxAttempts int
}

// DraftWorker writes and posts requested postmortem drafts. Any number of
// workers on any number of replicas may run on one store: each request is
// claimed with a lease and posted once, in the transaction that marks it
// posted, through the engine and the outbox.
type DraftWorker struct{ o DraftOptions }

// NewDraftWorker fills in defaults.
func NewDraftWorker(o DraftOptions) *DraftWorker {
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
	return &DraftWorker{o: o}
}

// lease is how long a claimed draft is this worker's: the model's time
// plus room to post.
func (w *DraftWorker) lease() time.Duration { return w.o.Timeout + 30*time.Second }

// Run posts drafts until ctx is done.
func (w *DraftWorker) Run(ctx context.Context) error {
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
func (w *DraftWorker) RunOnce(ctx context.Context) (bool, error) {
	d, err := w.o.Store.ClaimDraft(ctx, w.o.Clock.Now(), w.lease())
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	key := incident.KeyFor(d.IncidentID)
	x, err := load(ctx, w.o.Store, w.o.Cache, key, w.o.Clock.Now())
	if err != nil {
		return true, err
	}
	facts := FactsOf(x, w.o.Redact)
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

// summarize writes the summary: by the model when there is one, else by
// the template; a failure or timeout of the model falls back to the
// template and says so.
func (w *DraftWorker) summarize(ctx context.Context, d storage.Draft, f Facts) (summary, source, note, lastErr string) {
	tmpl := TemplateSummary(f)
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

var (
	massMention = regexp.MustCompile(`<[!@#][^>]*>`)
	atMention   = regexp.MustCompile(`@(everyone|here|channel)\b`)
)

// maxSummary bounds a model's summary.
const maxSummary = 2500

// cleanModelText makes a model's answer safe to post: no mentions that
// would notify people, no control characters, bounded length.
func cleanModelText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
	s = massMention.ReplaceAllStringFunc(s, func(m string) string { return "‹" + m[1:len(m)-1] + "›" })
	s = atMention.ReplaceAllString(s, "@\u200b$1")
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxSummary {
		s = string(r[:maxSummary]) + "…"
	}
	return s
}

// DraftMessage is the message the bot posts: the two clocks and the
// headline number, the summary, how it was written, and the link.
func DraftMessage(x Export, summary, note, link string) bot.Message {
	inc := x.Incident
	m := bot.Message{}
	if inc.State == incident.StateResolved {
		m.Header(fmt.Sprintf("📝 Postmortem draft: %s %s", inc.Key, inc.Title))
	} else {
		m.Header(fmt.Sprintf("📝 Summary so far: %s %s", inc.Key, inc.Title))
		if inc.Impact == incident.ImpactOngoing {
			m.Color = "danger"
		}
	}
	mt := x.Metrics
	m.Fields(
		bot.Field{Label: "Customer impact", Value: bot.Plain(FormatSeconds(mt.CustomerImpact))},
		bot.Field{Label: "Time to mitigate", Value: bot.Plain(formatClock(mt.TimeToMitigate))},
		bot.Field{Label: "Time to diagnose", Value: bot.Plain(formatClock(mt.TimeToDiagnose))},
		bot.Field{Label: "Time to resolve", Value: bot.Plain(formatClock(mt.TimeToResolve))},
	)
	// The summary is a model's words, or the template's built from what
	// people typed: data, shown as written.
	m.Text(bot.Plain(summary))
	if note != "" {
		m.Context(bot.Plain(note))
	}
	if link != "" {
		m.Contextf("Full report, chart and Markdown export: %s", bot.Link(link, ""))
	}
	m.Fallback = fmt.Sprintf("%s: impact %s, mitigated after %s, diagnosed after %s", inc.Key,
		FormatSeconds(mt.CustomerImpact), formatClock(mt.TimeToMitigate), formatClock(mt.TimeToDiagnose))
	return m
}
