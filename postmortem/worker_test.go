package postmortem

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
	"github.com/tourniquet/tourniquet/timeline"
	"github.com/tourniquet/tourniquet/timeline/web"
)

var (
	lobby = incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
	alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	t0    = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
)

// testToken stands for a configured secret: it signs the report links and
// must never reach the model.
const testToken = "api-token-for-tests-0123456789"

// botHarness is an engine with the draft hook and timeline command, a
// sender delivering to a recorder, on a real store.
type botHarness struct {
	t      *testing.T
	store  storage.Store
	clock  *clock.Fake
	engine *bot.Engine
	sender *bot.Sender
	rec    *bottest.Recorder
	ch     incident.ChannelRef
	key    string
}

func newBotHarness(t *testing.T, s storage.Store) *botHarness {
	t.Helper()
	clk := clock.NewFake(t0)
	links := web.Links{Base: "https://tourniquet.example.com", Signer: web.NewSigner(config.NewSecret(testToken))}
	e := bottest.NewEngine(t, bot.Options{Commands: append(bot.Commands(), Commands()...), Hooks: []bot.Hook{Hook{}},
		Store: s, Clock: clk, Links: links})
	rec := bottest.NewRecorder("slack")
	h := &botHarness{t: t, store: s, clock: clk, engine: e, rec: rec,
		sender: bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{rec}})}
	r := h.do(lobby, "/incident declare sev1 Checkout errors")
	h.key = r.IncidentKey
	h.drain()
	inc, err := s.GetIncidentByKey(context.Background(), h.key)
	if err != nil {
		t.Fatal(err)
	}
	h.ch, _ = inc.ChannelOn("slack")
	return h
}

func (h *botHarness) do(ch incident.ChannelRef, line string) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: alice, Text: line})
	if err != nil || r.Error {
		h.t.Fatalf("%q: %v %+v", line, err, r)
	}
	return r
}

func (h *botHarness) drain() {
	h.t.Helper()
	if err := h.sender.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// drafts returns the postmortem messages delivered so far.
func (h *botHarness) drafts() []bot.Message {
	var out []bot.Message
	for _, d := range h.rec.Ops("post") {
		if len(d.Message.Blocks) > 0 && strings.Contains(d.Message.Blocks[0].Text.String(), "📝") {
			out = append(out, d.Message)
		}
	}
	return out
}

func (h *botHarness) worker(s Summarizer, timeout time.Duration) *Worker {
	return NewWorker(Options{Store: h.store, Engine: h.engine, Summarizer: s, Model: "fake-model",
		Timeout: timeout, Clock: h.clock, Redact: NewRedactor([]string{testToken})})
}

func blockText(m bot.Message, kind bot.BlockKind) string {
	var parts []string
	for _, b := range m.Blocks {
		if b.Kind == kind {
			parts = append(parts, b.Text.String())
		}
	}
	return strings.Join(parts, "\n")
}

// summarizerFunc adapts a func.
type summarizerFunc func(ctx context.Context, f timeline.Facts) (string, error)

func (fn summarizerFunc) Summarize(ctx context.Context, f timeline.Facts) (string, error) {
	return fn(ctx, f)
}

func TestResolveRequestsADraftPostedOnce(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newBotHarness(t, s)
		h.clock.Advance(12 * time.Minute)
		h.do(h.ch, "/incident mitigated rolled back")
		h.clock.Advance(30 * time.Minute)
		h.do(h.ch, "/incident diagnosed a migration locked the orders table")
		h.clock.Advance(time.Hour)
		h.do(h.ch, "/incident resolve online migration shipped")
		h.drain()
		if len(h.drafts()) != 0 {
			t.Fatal("a draft was posted inside the resolve command")
		}
		inc, _ := s.GetIncidentByKey(context.Background(), h.key)
		ds, err := s.ListDrafts(context.Background(), inc.ID)
		if err != nil || len(ds) != 1 || ds[0].Reason != ReasonResolved || ds[0].Status != storage.DraftPending {
			t.Fatalf("requests after resolve: %+v %v", ds, err)
		}

		// Two workers (two replicas) race; the draft is posted once.
		var calls atomic.Int32
		sum := summarizerFunc(func(ctx context.Context, f timeline.Facts) (string, error) {
			calls.Add(1)
			return "The narrative.", nil
		})
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.worker(sum, time.Second).RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		h.drain()
		ms := h.drafts()
		if len(ms) != 1 || calls.Load() != 1 {
			t.Fatalf("%d drafts posted, model called %d times; want 1 and 1", len(ms), calls.Load())
		}
		m := ms[0]
		if !strings.Contains(m.Blocks[0].Text.String(), "Postmortem draft: "+h.key) {
			t.Errorf("header %q", m.Blocks[0].Text.String())
		}
		fields := map[string]string{}
		for _, b := range m.Blocks {
			for _, f := range b.Fields {
				fields[f.Label] = f.Value.String()
			}
		}
		if fields["Time to mitigate"] != "12m" || fields["Time to diagnose"] != "42m" || fields["Customer impact"] != "12m" {
			t.Errorf("the two clocks: %v", fields)
		}
		if blockText(m, bot.BlockText) != "The narrative." {
			t.Errorf("summary %q", blockText(m, bot.BlockText))
		}
		ctxt := blockText(m, bot.BlockContext)
		if !strings.Contains(ctxt, "Written by fake-model") || !strings.Contains(ctxt, "https://tourniquet.example.com/incidents/"+h.key+"?exp=") {
			t.Errorf("notes %q", ctxt)
		}
		if did, err := h.worker(sum, time.Second).RunOnce(context.Background()); did || err != nil {
			t.Errorf("a posted draft was claimed again: %v %v", did, err)
		}
		ds, _ = s.ListDrafts(context.Background(), inc.ID)
		if ds[0].Status != storage.DraftPosted || ds[0].Source != SourceModel {
			t.Errorf("draft after posting %+v", ds[0])
		}
	})
}

func TestTimelineCommandRequestsADraft(t *testing.T) {
	h := newBotHarness(t, storagetest.NewSQLite(t))
	h.clock.Advance(5 * time.Minute)
	r := h.do(h.ch, "/incident timeline")
	if !strings.Contains(blockText(r.Message, bot.BlockContext), "being written") ||
		!strings.Contains(blockText(r.Message, bot.BlockContext), "Full report: https://tourniquet.example.com/incidents/") {
		t.Errorf("timeline reply: %+v", r.Message)
	}
	r = h.do(h.ch, "/incident timeline")
	if !strings.Contains(blockText(r.Message, bot.BlockContext), "as it stands is being written") {
		t.Errorf("second timeline: %+v", r.Message)
	}
	// No model configured: the deterministic template, and it says so.
	if did, err := h.worker(nil, time.Second).RunOnce(context.Background()); !did || err != nil {
		t.Fatal(did, err)
	}
	h.drain()
	ms := h.drafts()
	if len(ms) != 1 {
		t.Fatalf("%d drafts", len(ms))
	}
	if !strings.Contains(ms[0].Blocks[0].Text.String(), "Summary so far") || ms[0].Color != "danger" {
		t.Errorf("an open incident's draft: %q %q", ms[0].Blocks[0].Text.String(), ms[0].Color)
	}
	if got := blockText(ms[0], bot.BlockText); !strings.Contains(got, "have been impacted for 5m so far") {
		t.Errorf("template summary %q", got)
	}
	if !strings.Contains(blockText(ms[0], bot.BlockContext), "Template summary (no language model is configured)") {
		t.Error("the template is not said to be one")
	}
}

func TestModelFailureFallsBackToTheTemplate(t *testing.T) {
	h := newBotHarness(t, storagetest.NewSQLite(t))
	h.clock.Advance(10 * time.Minute)
	h.do(h.ch, "/incident resolve --ongoing")
	hang := summarizerFunc(func(ctx context.Context, f timeline.Facts) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	if _, err := h.worker(hang, 50*time.Millisecond).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.drain()
	ms := h.drafts()
	if len(ms) != 1 {
		t.Fatalf("%d drafts", len(ms))
	}
	if got := blockText(ms[0], bot.BlockText); !strings.Contains(got, "never marked mitigated") {
		t.Errorf("not the template: %q", got)
	}
	if note := blockText(ms[0], bot.BlockContext); !strings.Contains(note, "did not answer within 50ms, so this is the template summary") {
		t.Errorf("note %q", note)
	}
	// The failure is on the timeline too.
	inc, _ := h.store.GetIncidentByKey(context.Background(), h.key)
	evs, _ := h.store.ListEvents(context.Background(), inc.ID, 0, 0)
	last := evs[len(evs)-1]
	if last.Kind != incident.KindNote || !strings.Contains(last.Text, "did not answer within 50ms") || !last.Actor.Same(incident.System) {
		t.Errorf("last event %+v", last)
	}

	// An error is said as the summarizer said it, with secrets removed
	// (another incident: this one's resolved state has its draft).
	h.clock.Advance(time.Minute)
	other := h.do(lobby, "/incident declare sev2 Search slow")
	h.drain()
	inc2, err := h.store.GetIncidentByKey(context.Background(), other.IncidentKey)
	if err != nil {
		t.Fatal(err)
	}
	ch2, _ := inc2.ChannelOn("slack")
	h.do(ch2, "/incident timeline")
	failing := summarizerFunc(func(ctx context.Context, f timeline.Facts) (string, error) {
		return "", errors.New("the model server answered 500 for key " + testToken)
	})
	if _, err := h.worker(failing, time.Second).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.drain()
	note := blockText(h.drafts()[1], bot.BlockContext)
	if !strings.Contains(note, "the language model failed: the model server answered 500") || strings.Contains(note, testToken) {
		t.Errorf("note %q", note)
	}
}

func TestCleanModelText(t *testing.T) {
	got := cleanModelText("  Hi <!channel> and @here, <@U123> fixed it.\x07\n ")
	if strings.Contains(got, "<!channel>") || strings.Contains(got, "@here") || strings.Contains(got, "<@U123>") || strings.Contains(got, "\x07") {
		t.Errorf("%q", got)
	}
}

// TestTimelineAskedThreeTimesPostsOneDraft is how a commander uses it:
// /incident timeline three times in a row posts one draft, and the later
// answers point to it; after the incident changes, the next one posts a
// draft of the new state.
func TestTimelineAskedThreeTimesPostsOneDraft(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newBotHarness(t, s)
		w := h.worker(nil, time.Second)
		for i := range 3 {
			h.clock.Advance(time.Minute)
			r := h.do(h.ch, "/incident timeline")
			for {
				did, err := w.RunOnce(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if !did {
					break
				}
			}
			h.drain()
			if i > 0 && !strings.Contains(blockText(r.Message, bot.BlockContext), "as it stands was posted in its channel at 14:01 UTC") {
				t.Errorf("timeline #%d: %q", i+1, blockText(r.Message, bot.BlockContext))
			}
		}
		if n := len(h.drafts()); n != 1 {
			t.Fatalf("%d drafts posted for three /incident timeline, want 1", n)
		}
		h.clock.Advance(time.Minute)
		h.do(h.ch, "/incident mitigated rolled back")
		h.clock.Advance(time.Minute)
		if r := h.do(h.ch, "/incident timeline"); !strings.Contains(blockText(r.Message, bot.BlockContext), "is being written; it will be posted") {
			t.Errorf("timeline after mitigation: %q", blockText(r.Message, bot.BlockContext))
		}
		if did, err := w.RunOnce(context.Background()); !did || err != nil {
			t.Fatal(did, err)
		}
		h.drain()
		if n := len(h.drafts()); n != 2 {
			t.Fatalf("%d drafts after the state changed, want 2", n)
		}
	})
}
