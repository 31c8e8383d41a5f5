package paging_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/pagerduty"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/paging"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var (
	t0    = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	bob   = incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}
	lobby = incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
)

const routingKey = "R0UTINGKEY0123456789abcdef012345"

// pd is a fake PagerDuty Events API v2 that records events and answers
// what next says (202 by default).
type pd struct {
	mu     sync.Mutex
	events []map[string]any
	next   []int
}

func (f *pd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var ev map[string]any
	_ = json.Unmarshal(body, &ev)
	f.mu.Lock()
	status := http.StatusAccepted
	if len(f.next) > 0 {
		status, f.next = f.next[0], f.next[1:]
	}
	if r.URL.Path == "/v2/enqueue" && ev["routing_key"] == routingKey && status == 202 {
		f.events = append(f.events, ev)
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	switch status {
	case 202:
		_, _ = io.WriteString(w, `{"status":"success","message":"Event processed","dedup_key":"x"}`)
	case 400:
		_, _ = io.WriteString(w, `{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect"]}`)
	default:
		_, _ = io.WriteString(w, `{"status":"throttle event","message":"Requests for this service are arriving too quickly."}`)
	}
}

func (f *pd) got() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.events...)
}

type harness struct {
	t      *testing.T
	store  storage.Store
	clock  *clock.Fake
	engine *bot.Engine
	svc    *paging.Service
	sweep  *checkin.Sweeper
	sender *bot.Sender
	rec    *bottest.Recorder
	pd     *pd
}

func newHarness(t *testing.T, s storage.Store, cfg config.Paging) *harness {
	t.Helper()
	h := &harness{t: t, store: s, clock: clock.NewFake(t0), rec: bottest.NewRecorder("slack"), pd: &pd{}}
	srv := httptest.NewServer(h.pd)
	t.Cleanup(srv.Close)
	client, err := pagerduty.New(config.PagingTarget{Type: "pagerduty", URL: srv.URL + "/v2/enqueue", RoutingKey: config.NewSecret(routingKey)})
	if err != nil {
		t.Fatal(err)
	}
	h.svc, err = paging.New(paging.Options{Config: cfg, Targets: []paging.Target{{Name: "oncall", Type: "pagerduty", Pager: client}},
		Store: s, Clock: h.clock, RetryDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	co := checkin.Options{Store: s, Clock: h.clock}
	if cfg.EscalateTo != "" {
		co.Pager = h.svc
	}
	sched, err := checkin.New(config.Checkins{Cadence: config.Cadence{Sev1: "@every 10m", Sev2: "@every 15m", Sev3: "@every 30m", Sev4: "@every 1h"},
		DiagnosisCadence: "@every 30m", EscalateAfter: 1}, co)
	if err != nil {
		t.Fatal(err)
	}
	h.engine = bottest.NewEngine(t, bot.Options{Store: s, Clock: h.clock, PublicURL: "https://tq.example.com",
		Commands: append(append(bot.Commands(), sched.Commands()...), h.svc.Commands()...),
		Hooks:    []bot.Hook{sched, h.svc}})
	h.sweep = sched.Sweeper(h.engine)
	h.sender = bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{h.rec}, MaxAttempts: 3})
	return h
}

func (h *harness) do(who incident.Actor, ch incident.ChannelRef, line string) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: who, Text: line})
	if err != nil {
		h.t.Fatalf("%q: %v", line, err)
	}
	h.drain()
	return r
}

func (h *harness) drain() {
	h.t.Helper()
	if err := h.sender.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) send() {
	h.t.Helper()
	if _, err := h.svc.SendAll(context.Background(), h.engine); err != nil {
		h.t.Fatalf("SendAll: %v", err)
	}
	h.drain()
}

func (h *harness) declare(line string) (string, incident.ChannelRef) {
	h.t.Helper()
	r := h.do(alice, lobby, line)
	inc, err := h.store.GetIncidentByKey(context.Background(), r.IncidentKey)
	if err != nil {
		h.t.Fatal(err)
	}
	ch, _ := inc.ChannelOn("slack")
	return inc.Key, ch
}

func (h *harness) pages(key string) []incident.Event {
	h.t.Helper()
	inc, _ := h.store.GetIncidentByKey(context.Background(), key)
	evs, err := h.store.ListEvents(context.Background(), inc.ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []incident.Event
	for _, e := range evs {
		if e.Kind == incident.KindPageSent {
			out = append(out, e)
		}
	}
	return out
}

func (h *harness) said(channel, words string) bool {
	for _, d := range h.rec.Deliveries() {
		if d.ChannelID == channel && strings.Contains(d.Message.PlainText(), words) {
			return true
		}
	}
	return false
}

// A sev1 declaration pages the on-call through PagerDuty once, with the
// incident's key as dedup_key; resolving closes the page.
func TestSev1PagesOnceAndResolveCloses(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, config.Paging{PageOn: []string{"sev1"}})
		key, ch := h.declare("declare sev2 Checkout slow")
		h.send()
		if n := len(h.pd.got()); n != 0 {
			t.Fatalf("a sev2 paged (%d events)", n)
		}
		h.do(alice, ch, "sev 1")
		h.do(alice, ch, "sev 2")
		h.do(alice, ch, "sev 1")
		h.send()
		h.send()
		evs := h.pd.got()
		if len(evs) != 1 || evs[0]["event_action"] != "trigger" || evs[0]["dedup_key"] != key ||
			evs[0]["client_url"] != "https://tq.example.com/incidents/"+key {
			t.Fatalf("PagerDuty got %v, want one trigger for %s", evs, key)
		}
		pages := h.pages(key)
		if len(pages) != 1 || pages[0].Data["outcome"] != "sent" || pages[0].Data["step"] != paging.StepDeclared {
			t.Errorf("timeline pages %+v", pages)
		}
		if !h.said(ch.ChannelID, "Paged oncall (pagerduty)") {
			t.Errorf("the channel was not told")
		}
		h.do(alice, ch, "mitigated")
		h.do(alice, ch, "resolve fixed")
		h.send()
		evs = h.pd.got()
		if len(evs) != 2 || evs[1]["event_action"] != "resolve" || evs[1]["dedup_key"] != key {
			t.Fatalf("after resolving PagerDuty got %v, want a resolve of %s", evs, key)
		}
		if pages := h.pages(key); len(pages) != 2 || !strings.Contains(pages[1].Text, "Closed the page of oncall") {
			t.Errorf("timeline pages %+v", pages)
		}
	})
}

// 429 and 5xx are retried later; a 400 is reported in the channel and on
// the timeline, once.
func TestFailuresRetryOrReport(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Paging{PageOn: []string{"sev1"}})
	h.pd.next = []int{429, 503}
	key, ch := h.declare("declare sev1 Checkout down")
	h.send()
	if len(h.pd.got()) != 0 || len(h.pages(key)) != 0 {
		t.Fatalf("a throttled page was recorded as an outcome")
	}
	h.clock.Advance(time.Minute)
	h.send() // 503
	h.clock.Advance(2 * time.Minute)
	h.send() // 202
	if evs := h.pd.got(); len(evs) != 1 {
		t.Fatalf("PagerDuty got %d events after retries, want 1", len(evs))
	}
	if pages := h.pages(key); len(pages) != 1 || pages[0].Data["outcome"] != "sent" {
		t.Errorf("pages %+v", pages)
	}

	h2 := newHarness(t, storagetest.NewSQLite(t), config.Paging{PageOn: []string{"sev1"}})
	h2.pd.next = []int{400}
	key, ch = h2.declare("declare sev1 Checkout down")
	h2.send()
	h2.clock.Advance(time.Hour)
	h2.send()
	pages := h2.pages(key)
	if len(pages) != 1 || pages[0].Data["outcome"] != "failed" || !strings.Contains(pages[0].Data["error"].(string), "Event object is invalid") {
		t.Fatalf("pages %+v", pages)
	}
	if !h2.said(ch.ChannelID, "failed") || !h2.said(ch.ChannelID, "call them") {
		t.Errorf("the failure was not said in the channel")
	}
	if strings.Contains(pages[0].Text+pages[0].Data["error"].(string), routingKey) {
		t.Errorf("the routing key reached the timeline")
	}
}

// /incident page is permission-checked; an unknown target gets the list.
func TestPageCommand(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Paging{})
	key, ch := h.declare("declare sev3 Search slow")
	if r := h.do(bob, ch, "page oncall please look"); !r.Error || !strings.Contains(r.Message.PlainText(), "may page for") {
		t.Errorf("bob paged: %q", r.Message.PlainText())
	}
	if r := h.do(alice, ch, "page nobody"); !r.Error || !strings.Contains(r.Message.PlainText(), "the targets are oncall") {
		t.Errorf("unknown target: %q", r.Message.PlainText())
	}
	if r := h.do(alice, ch, "page oncall please look at search"); r.Error {
		t.Fatalf("alice: %q", r.Message.PlainText())
	}
	h.send()
	evs := h.pd.got()
	if len(evs) != 1 || !strings.Contains(evs[0]["payload"].(map[string]any)["summary"].(string), "please look at search") {
		t.Fatalf("PagerDuty got %v", evs)
	}
	if pages := h.pages(key); len(pages) != 1 || pages[0].Data["outcome"] != "sent" {
		t.Errorf("pages %+v", pages)
	}
}

// The check-in escalation's last step pages escalate_to, once.
func TestEscalationPages(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Paging{EscalateTo: "oncall"})
	key, _ := h.declare("declare sev2 Checkout slow")
	for range 6 {
		h.clock.Advance(15 * time.Minute)
		if _, err := h.sweep.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		h.drain()
		h.send()
	}
	evs := h.pd.got()
	if len(evs) != 1 || evs[0]["event_action"] != "trigger" {
		t.Fatalf("PagerDuty got %v, want one page from the escalation", evs)
	}
	if pages := h.pages(key); len(pages) != 1 || pages[0].Data["step"] != paging.StepEscalation {
		t.Errorf("pages %+v", pages)
	}
}

// A worker that stopped mid-call leaves the page unknown: reported so,
// never sent again silently.
func TestPageCutShortIsUnknown(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Paging{PageOn: []string{"sev1"}})
	key, ch := h.declare("declare sev1 Checkout down")
	// A worker claims the page and dies before recording anything.
	if _, err := h.store.ClaimPage(context.Background(), h.clock.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	h.send()
	if len(h.pages(key)) != 0 {
		t.Fatalf("an outcome was recorded while the page was leased")
	}
	h.clock.Advance(2 * time.Minute)
	h.send()
	h.clock.Advance(time.Hour)
	h.send()
	pages := h.pages(key)
	if len(pages) != 1 || pages[0].Data["outcome"] != "unknown" {
		t.Fatalf("pages %+v, want one unknown", pages)
	}
	if len(h.pd.got()) != 0 {
		t.Errorf("the page was sent again silently")
	}
	if !h.said(ch.ChannelID, "the outcome is unknown") {
		t.Errorf("the channel was not told")
	}
}

// A drill never pages the real on-call, even at a page_on severity.
func TestDrillsDoNotPage(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Paging{PageOn: []string{"sev1"}})
	drill := bot.CommandSpec{Name: "test-drill", Shown: bot.ButtonsOnly, Needs: bot.NoIncident,
		Handle: func(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
			return tx.Dispatch(ctx, bot.CmdDeclare, map[string]string{bot.FieldTitle: "Drill: checkout", bot.FieldSeverity: "sev1", bot.FieldDrill: "true"})
		}}
	h.engine = bottest.NewEngine(t, bot.Options{Store: h.store, Clock: h.clock,
		Commands: append(append(bot.Commands(), h.svc.Commands()...), drill), Hooks: []bot.Hook{h.svc}})
	r := h.do(alice, lobby, "test-drill")
	if r.Error || r.IncidentKey == "" {
		t.Fatalf("drill: %q", r.Message.PlainText())
	}
	inc, _ := h.store.GetIncidentByKey(context.Background(), r.IncidentKey)
	ch, _ := inc.ChannelOn("slack")
	h.do(alice, ch, "sev 2")
	h.do(alice, ch, "sev 1")
	h.send()
	if n := len(h.pd.got()); n != 0 {
		t.Errorf("a drill paged PagerDuty %d times", n)
	}
	// The same at sev1 for real pages.
	h.declare("declare sev1 Checkout down")
	h.send()
	if n := len(h.pd.got()); n != 1 {
		t.Errorf("a real sev1 paged %d times, want 1", n)
	}
}
