package followup

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/githubissues"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var (
	lobby = incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
	alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	t0    = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
)

const ghToken = "ghp_followUpWorkerTests0123456789"

// fakeGitHub is GitHub's issues API for acme/ops (see the githubissues
// package): it counts the issues created and answers the failure set.
type fakeGitHub struct {
	mu     sync.Mutex
	posts  []map[string]any
	status int // non-zero: answer this to the next POSTs
	closed map[int]bool
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+ghToken || r.Header.Get("X-GitHub-Api-Version") != githubissues.APIVersion {
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"message":"Bad credentials"}`))
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/repos/acme/ops/issues":
		if f.status != 0 {
			if f.status == 429 {
				w.Header().Set("Retry-After", "60")
			}
			w.WriteHeader(f.status)
			_, _ = w.Write([]byte(`{"message":"` + http.StatusText(f.status) + `"}`))
			return
		}
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.posts = append(f.posts, in)
		n := len(f.posts)
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"number":` + strconv.Itoa(n) + `,"state":"open","html_url":"https://github.com/acme/ops/issues/` + strconv.Itoa(n) + `"}`))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/repos/acme/ops/issues/"):
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/repos/acme/ops/issues/"))
		state := "open"
		if f.closed[n] {
			state = "closed"
		}
		_, _ = w.Write([]byte(`{"number":` + strconv.Itoa(n) + `,"state":"` + state + `"}`))
	default:
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"message":"Not Found"}`))
	}
}

func (f *fakeGitHub) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.posts)
}

type harness struct {
	t      *testing.T
	store  storage.Store
	clock  *clock.Fake
	engine *bot.Engine
	sender *bot.Sender
	rec    *bottest.Recorder
	gh     *fakeGitHub
	worker *Worker
	key    string
	ch     incident.ChannelRef
}

func newHarness(t *testing.T, s storage.Store, o Options) *harness {
	t.Helper()
	clk := clock.NewFake(t0)
	feat := New(o)
	e := bottest.NewEngine(t, bot.Options{Commands: append(bot.Commands(), feat.Commands()...), Hooks: []bot.Hook{feat},
		Panels: []bot.Panel{feat}, Store: s, Clock: clk})
	rec := bottest.NewRecorder("slack")
	gh := &fakeGitHub{closed: map[int]bool{}}
	srv := httptest.NewServer(gh)
	t.Cleanup(srv.Close)
	client, err := githubissues.New(githubissues.Config{URL: srv.URL, Token: config.NewSecret(ghToken), Repo: "acme/ops"}, httpx.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: s, clock: clk, engine: e, rec: rec, gh: gh,
		sender: bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{rec}}),
		worker: NewWorker(WorkerOptions{Store: s, Engine: e, Tracker: "github", Creator: client, Checker: client, Clock: clk})}
	r := h.do("/incident declare sev1 Checkout errors")
	h.key = r.IncidentKey
	h.drain()
	inc, err := s.GetIncidentByKey(context.Background(), h.key)
	if err != nil {
		t.Fatal(err)
	}
	h.ch, _ = inc.ChannelOn("slack")
	return h
}

func (h *harness) handle(line string) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: h.chOrLobby(), Actor: alice, Text: line})
	if err != nil {
		h.t.Fatalf("%q: %v", line, err)
	}
	return r
}

func (h *harness) chOrLobby() incident.ChannelRef {
	if h.ch.ChannelID != "" {
		return h.ch
	}
	return lobby
}

func (h *harness) do(line string) bot.Reply {
	h.t.Helper()
	r := h.handle(line)
	if r.Error {
		h.t.Fatalf("%q refused: %s", line, r.Message.Fallback)
	}
	return r
}

func (h *harness) drain() {
	h.t.Helper()
	if err := h.sender.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// posted is everything posted to the incident channel, as text.
func (h *harness) posted() string {
	var b strings.Builder
	for _, d := range h.rec.Ops("post") {
		b.WriteString(d.Message.Fallback + "\n")
	}
	return b.String()
}

func (h *harness) items() []storage.FollowUp {
	h.t.Helper()
	inc, _ := h.store.GetIncidentByKey(context.Background(), h.key)
	items, err := h.store.ListFollowUps(context.Background(), inc.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return items
}

func (h *harness) events(kind incident.Kind) []incident.Event {
	h.t.Helper()
	inc, _ := h.store.GetIncidentByKey(context.Background(), h.key)
	evs, err := h.store.ListEvents(context.Background(), inc.ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []incident.Event
	for _, ev := range evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

func (h *harness) work() {
	h.t.Helper()
	for {
		did, err := h.worker.RunOnce(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		if !did {
			return
		}
	}
}

// Issue #19: a follow-up typed in the channel is recorded on the timeline
// and becomes one GitHub issue, once, whatever the worker is asked again;
// the list and the state ("1 of 2 done") follow the tracker.
func TestFollowUpBecomesOneTicket(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, Options{Tracker: "github"})
		r := h.do("/incident follow-up alert on queue depth @U2")
		if !strings.Contains(r.Message.Fallback, "Recorded follow-up 1 of "+h.key) || !strings.Contains(r.Message.Fallback, "being created in github") {
			t.Errorf("reply: %s", r.Message.Fallback)
		}
		h.do("/incident follow-up write the <b>runbook</b> for the flag")
		items := h.items()
		if len(items) != 2 || items[0].Text != "alert on queue depth" || items[0].Owner.ID != "U2" || items[0].Owner.Platform != "slack" ||
			items[1].Owner.IsZero() == false || items[0].TicketStatus != storage.TicketPending {
			t.Fatalf("stored: %+v", items)
		}
		if evs := h.events(incident.KindFollowUp); len(evs) != 2 || evs[0].Text != "alert on queue depth" {
			t.Errorf("timeline: %+v", evs)
		}

		h.work()
		h.work() // asked again: nothing more is sent
		if n := h.gh.count(); n != 2 {
			t.Fatalf("%d issues created, want 2", n)
		}
		if got := h.gh.posts[0]; got["title"] != "alert on queue depth" || !strings.Contains(got["body"].(string), h.key+" (SEV1): Checkout errors") {
			t.Errorf("issue: %v", got)
		}
		items = h.items()
		if items[0].TicketStatus != storage.TicketCreated || items[0].TicketKey != "acme/ops#1" || items[1].TicketURL != "https://github.com/acme/ops/issues/2" {
			t.Errorf("after creation: %+v", items)
		}
		h.drain()
		if out := h.posted(); !strings.Contains(out, "Follow-up ticket acme/ops#1") || !strings.Contains(out, "created in github: alert on queue depth") {
			t.Errorf("channel:\n%s", out)
		}
		if evs := h.events(incident.KindFollowUpTicket); len(evs) != 2 || evs[0].Data["outcome"] != "created" {
			t.Errorf("ticket events: %+v", evs)
		}

		// The states, polled: one closed on GitHub.
		h.gh.closed[2] = true
		h.clock.Advance(11 * time.Minute)
		if n, err := h.worker.CheckStates(context.Background(), 10); err != nil || n != 2 {
			t.Fatalf("checked %d: %v", n, err)
		}
		if got := Progress(h.items()); got != "1 of 2 done" {
			t.Errorf("progress %q", got)
		}
		list := h.do("/incident follow-ups")
		if !strings.Contains(list.Message.Fallback, "1 of 2 done") {
			t.Errorf("list: %s", list.Message.Fallback)
		}
		var lines []string
		for _, b := range list.Message.Blocks {
			lines = append(lines, b.Text.String())
		}
		all := strings.Join(lines, "\n")
		if !strings.Contains(all, "1. alert on queue depth") || !strings.Contains(all, "acme/ops#2, done") || !strings.Contains(all, "<b>runbook</b>") {
			t.Errorf("list lines:\n%s", all)
		}
	})
}

// Rate limited: tried again later, created once. A 500: the tracker may
// have made it, so it is unknown, said in the channel, never sent again.
// A 422: refused, said. A worker that died mid-call: unknown after its
// lease.
func TestTicketFailures(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), Options{Tracker: "github"})
	h.gh.status = 429
	h.do("/incident follow-up rate limited one")
	h.work()
	if it := h.items()[0]; it.TicketStatus != storage.TicketPending || h.gh.count() != 0 {
		t.Fatalf("after a 429: %+v", it)
	}
	h.work() // too early: held back
	h.gh.status = 0
	h.clock.Advance(2 * time.Minute)
	h.work()
	if it := h.items()[0]; it.TicketStatus != storage.TicketCreated || h.gh.count() != 1 {
		t.Fatalf("after the wait: %+v, %d issues", it, h.gh.count())
	}

	h.gh.status = 500
	h.do("/incident follow-up server error two")
	h.work()
	h.gh.status = 0
	h.clock.Advance(time.Hour)
	h.work()
	if it := h.items()[1]; it.TicketStatus != storage.TicketUnknown || h.gh.count() != 1 {
		t.Fatalf("after a 500: %+v, %d issues", it, h.gh.count())
	}

	h.gh.status = 422
	h.do("/incident follow-up refused three")
	h.work()
	if it := h.items()[2]; it.TicketStatus != storage.TicketFailed || !strings.Contains(it.LastError, "422") {
		t.Fatalf("after a 422: %+v", it)
	}
	h.gh.status = 0

	// A worker claims and dies before the answer.
	h.do("/incident follow-up orphan four")
	if _, _, err := h.store.ClaimTicket(context.Background(), h.clock.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(2 * time.Minute)
	h.work()
	if it := h.items()[3]; it.TicketStatus != storage.TicketUnknown || h.gh.count() != 1 {
		t.Fatalf("orphaned claim: %+v", it)
	}
	h.drain()
	out := h.posted()
	for _, want := range []string{
		`github may or may not have created the ticket of follow-up "server error two"`,
		`github refused the ticket of follow-up "refused three"`,
		`github may or may not have created the ticket of follow-up "orphan four"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("channel lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, ghToken) {
		t.Error("the token reached the channel")
	}
	if evs := h.events(incident.KindFollowUpTicket); len(evs) != 4 {
		t.Errorf("%d ticket events, want 4", len(evs))
	}
}

// Tickets at resolution: nothing is sent before, everything once after;
// a follow-up without a tracker stays on the timeline.
func TestTicketsAtResolve(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), Options{Tracker: "github", AtResolve: true})
	r := h.do("/incident follow-up add a canary")
	if !strings.Contains(r.Message.Fallback, "when the incident is resolved") {
		t.Errorf("reply: %s", r.Message.Fallback)
	}
	h.work()
	if h.gh.count() != 0 {
		t.Fatal("a ticket before resolution")
	}
	h.do("/incident resolve --ongoing rolled back")
	h.work()
	if h.gh.count() != 1 {
		t.Fatalf("%d tickets after resolution", h.gh.count())
	}
	// After resolution, a follow-up is still recorded (no ticket).
	h.do("/incident follow-up one more")
	h.work()
	if it := h.items()[1]; it.TicketStatus != storage.TicketNone || h.gh.count() != 1 {
		t.Errorf("late follow-up: %+v", it)
	}
}

// Bad input gets a specific error and the usage.
func TestFollowUpInput(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), Options{})
	for line, want := range map[string]string{
		"/incident follow-up":                             "say what should be done",
		"/incident follow-up   @U2":                       "say what should be done",
		"/incident follow-up " + strings.Repeat("x", 300): "at most",
	} {
		r := h.handle(line)
		if !r.Error || !strings.Contains(r.Message.Fallback, want) || !strings.Contains(r.Message.Fallback, "follow-up <text> [@owner]") {
			t.Errorf("%.40q: %v %s", line, r.Error, r.Message.Fallback)
		}
	}
	if r := h.do("/incident follow-up check dashboards"); !strings.Contains(r.Message.Fallback, "no tracker is configured") {
		t.Errorf("without a tracker: %s", r.Message.Fallback)
	}
	if r := h.do("/incident follow-ups"); !strings.Contains(r.Message.Fallback, "0 of 1 done") {
		t.Errorf("list: %s", r.Message.Fallback)
	}
}

// addButton finds the [Add follow-up] button on the last card posted or
// updated, if any.
func (h *harness) addButton() *bot.Button {
	var found *bot.Button
	for _, d := range h.rec.Deliveries() {
		if d.Op != "post" && d.Op != "update" {
			continue
		}
		var b *bot.Button
		for _, blk := range d.Message.Blocks {
			for i := range blk.Buttons {
				if blk.Buttons[i].Label == "Add follow-up" {
					b = &blk.Buttons[i]
				}
			}
		}
		if strings.Contains(d.Message.Fallback, h.key) && (d.Op == "update" || b != nil) {
			found = b
		}
	}
	return found
}

// Issue #19: the resolved card offers [Add follow-up], whose form's
// answer is recorded as /incident follow-up records a typed one; the card
// of an open incident does not.
func TestResolvedCardAddsFollowUp(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), Options{})
	h.do("/incident note looking")
	h.drain()
	if b := h.addButton(); b != nil {
		t.Fatal("an open incident's card offers Add follow-up")
	}
	h.do("/incident resolve --ongoing rolled back")
	h.drain()
	b := h.addButton()
	if b == nil || b.Form == nil || b.Form.ID != bot.FormFollowUp || len(b.Form.Fields) != 1 || b.Form.Fields[0].Name != bot.FieldFollowUp ||
		b.Command != h.key+" follow-up" {
		t.Fatalf("resolved card's button: %+v", b)
	}
	// A platform without forms: the bare command says what to type.
	r := h.handle(b.Command)
	if !r.Error || !strings.Contains(r.Message.Fallback, "say what should be done") {
		t.Errorf("bare click: %s", r.Message.Fallback)
	}
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: h.ch, Actor: alice, Text: b.Command,
		Source: incident.SourceButton, Args: map[string]string{bot.FieldFollowUp: "  add a canary for the flag  "}})
	if err != nil || r.Error {
		t.Fatalf("form answer: %v %s", err, r.Message.Fallback)
	}
	if items := h.items(); len(items) != 1 || items[0].Text != "add a canary for the flag" {
		t.Fatalf("recorded: %+v", items)
	}
	if evs := h.events(incident.KindFollowUp); len(evs) != 1 || evs[0].Source != incident.SourceButton {
		t.Errorf("event: %+v", evs)
	}
}
