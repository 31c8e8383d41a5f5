package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var (
	t0    = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	bob   = incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}
	carol = incident.Actor{Platform: "slack", ID: "U3", Name: "carol"}
	lobby = incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}
)

type harness struct {
	t      *testing.T
	store  storage.Store
	clock  *clock.Fake
	engine *bot.Engine
	sender *bot.Sender
	rec    *bottest.Recorder
}

func newHarness(t *testing.T, s storage.Store, opts bot.Options) *harness {
	t.Helper()
	clk := clock.NewFake(t0)
	opts.Store, opts.Clock = s, clk
	rec := bottest.NewRecorder("slack")
	opts.Commands = append(append(bot.Commands(), bottest.Timeline()), opts.Commands...)
	h := &harness{t: t, store: s, clock: clk, engine: bottest.NewEngine(t, opts), rec: rec}
	h.sender = bot.NewSender(bot.SenderOptions{Store: s, Clock: clk, Deliverers: []bot.Deliverer{rec}, MaxAttempts: 3})
	return h
}

// do runs a command and fails the test on an infrastructure error.
func (h *harness) do(who incident.Actor, ch incident.ChannelRef, line string) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: who, Text: line})
	if err != nil {
		h.t.Fatalf("%q: %v", line, err)
	}
	return r
}

func (h *harness) click(who incident.Actor, ch incident.ChannelRef, line, id string) bot.Reply {
	h.t.Helper()
	r, err := h.engine.Handle(context.Background(), bot.Invocation{ID: id, Channel: ch, Actor: who, Text: line, Source: incident.SourceButton})
	if err != nil {
		h.t.Fatalf("%q: %v", line, err)
	}
	return r
}

func (h *harness) drain() {
	h.t.Helper()
	if err := h.sender.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) events(key string) []incident.Event {
	h.t.Helper()
	inc, err := h.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	evs, err := h.store.ListEvents(context.Background(), inc.ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

func kinds(evs []incident.Event) string {
	var ks []string
	for _, e := range evs {
		ks = append(ks, string(e.Kind)+"/"+string(e.Source))
	}
	return strings.Join(ks, " ")
}

// declare opens an incident in a new channel and delivers, returning the
// incident key and its channel.
func (h *harness) declare(who incident.Actor, line string) (string, incident.ChannelRef) {
	h.t.Helper()
	r := h.do(who, lobby, line)
	if r.Error || r.IncidentKey == "" {
		h.t.Fatalf("declare: %+v", r)
	}
	h.drain()
	inc, err := h.store.GetIncidentByKey(context.Background(), r.IncidentKey)
	if err != nil {
		h.t.Fatal(err)
	}
	ch, ok := inc.ChannelOn("slack")
	if !ok {
		h.t.Fatalf("%s has no channel after delivery", inc.Key)
	}
	return inc.Key, ch
}

func TestIncidentLifecycle(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{Responders: []incident.Actor{carol, {Platform: "discord", ID: "9"}}})
		key, ch := h.declare(alice, "/incident declare sev1 Checkout errors")

		opens := h.rec.Ops("open")
		if len(opens) != 1 || opens[0].Open.Name != "inc-1-checkout-errors" {
			t.Fatalf("channel opened: %+v", opens)
		}
		var invited []string
		for _, a := range opens[0].Open.Invite {
			invited = append(invited, a.Ref())
		}
		if strings.Join(invited, ",") != "slack:U1,slack:U3" {
			t.Fatalf("invited %v, want the declarer and the Slack responder only", invited)
		}
		posts := h.rec.Ops("post")
		if len(posts) != 1 || !posts[0].Pin || posts[0].ChannelID != ch.ChannelID {
			t.Fatalf("card posts: %+v", posts)
		}
		card := posts[0].Message
		if !strings.Contains(card.Blocks[0].Text.String(), "SEV1 "+key+": Checkout errors") {
			t.Fatalf("card header: %q", card.Blocks[0].Text.String())
		}
		if bs := card.AllButtons(); len(bs) == 0 || bs[0].Label != "Yes, mitigated" || bs[0].Command != key+" mitigated" {
			t.Fatalf("card buttons: %+v", bs)
		}

		h.clock.Advance(5 * time.Minute)
		h.do(bob, ch, "/incident update Error rate 40%, rolling back")
		h.clock.Advance(7 * time.Minute)
		if r := h.click(bob, ch, "mitigated", "click-1"); r.Error {
			t.Fatalf("mitigated click: %+v", r)
		}
		h.clock.Advance(20 * time.Minute)
		h.do(alice, ch, "diagnosed bad feature flag default")
		h.clock.Advance(time.Hour)
		if r := h.do(alice, ch, "resolve flag default fixed"); r.Error {
			t.Fatalf("resolve: %+v", r)
		}
		h.drain()

		evs := h.events(key)
		want := "declared/typed status_update/typed mitigated/button diagnosed/typed resolved/typed"
		if got := kinds(evs); got != want {
			t.Fatalf("timeline:\n got %s\nwant %s", got, want)
		}
		if !evs[2].Actor.Same(bob) || evs[2].At != t0.Add(12*time.Minute) {
			t.Fatalf("mitigated event: %+v", evs[2])
		}
		inc, _ := s.GetIncidentByKey(context.Background(), key)
		m := inc.ComputeMetrics(h.clock.Now())
		if *m.TimeToMitigate != 12*60 || *m.TimeToDiagnose != 32*60 || !*m.MitigatedBeforeDiagnosed {
			t.Fatalf("metrics: %+v", m)
		}

		// The card was updated in place (same message ID), never re-posted,
		// once per change it shows (mitigated, diagnosed, resolved; the
		// status update changes nothing on it).
		updates := h.rec.Ops("update")
		if len(updates) != 3 {
			t.Fatalf("card updates: %d", len(updates))
		}
		for _, u := range updates {
			if u.MessageID != posts[0].MessageID {
				t.Fatalf("update of %s, want the card %s", u.MessageID, posts[0].MessageID)
			}
		}
		last := updates[len(updates)-1].Message
		if !strings.Contains(last.Blocks[0].Text.String(), "(resolved)") {
			t.Fatalf("last card: %q", last.Blocks[0].Text.String())
		}
		// Every post after the card went to the incident channel, in order.
		var lines []string
		for _, p := range h.rec.Ops("post")[1:] {
			if p.ChannelID != ch.ChannelID {
				t.Fatalf("post to %s", p.ChannelID)
			}
			lines = append(lines, p.Message.Fallback)
		}
		joined := strings.Join(lines, "\n")
		for _, want := range []string{"Update", "mitigated", "Time to mitigate: 12m", "Cause identified", "resolved by"} {
			if !strings.Contains(joined, want) {
				t.Errorf("channel lines lack %q:\n%s", want, joined)
			}
		}
	})
}

func TestRefusalsAreSpecific(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 API latency")
		tests := []struct {
			who  incident.Actor
			ch   incident.ChannelRef
			line string
			want string
		}{
			{alice, lobby, "status", "This channel belongs to no incident"},
			{alice, lobby, "INC-99 status", "There is no incident INC-99"},
			{alice, ch, "declare here sev2 Another one", "already belongs to " + key},
			{alice, ch, "sev 7", `"7" is not a severity`},
			{alice, ch, "sev 2", "already SEV2"},
			{alice, ch, "lead", "Usage: /incident lead <@user>"},
			{alice, ch, "regressed", "never marked mitigated"},
			{alice, ch, "impact-started +10m", "cannot start in the future"},
			{alice, ch, "frobnicate", `unknown command "frobnicate"`},
		}
		for _, tt := range tests {
			r := h.do(tt.who, tt.ch, tt.line)
			if !r.Error || !strings.Contains(r.Message.Fallback, tt.want) {
				t.Errorf("%q: got %+v, want an error containing %q", tt.line, r.Message.Fallback, tt.want)
			}
		}
		h.clock.Advance(10 * time.Minute)
		h.do(alice, ch, "mitigated")
		h.clock.Advance(20 * time.Minute)
		if r := h.do(alice, ch, "mitigated"); !strings.Contains(r.Message.Fallback, "already mitigated") {
			t.Errorf("mitigated twice: %q", r.Message.Fallback)
		}
		if r := h.do(alice, ch, "impact-started 2026-03-01T14:20:00Z"); !strings.Contains(r.Message.Fallback, "after it was first mitigated") {
			t.Errorf("impact start after mitigation: %q", r.Message.Fallback)
		}
		h.do(alice, ch, "resolve")
		if r := h.do(alice, ch, "update still here"); !strings.Contains(r.Message.Fallback, "is resolved; only status, timeline and note") {
			t.Errorf("update on resolved: %q", r.Message.Fallback)
		}
		for _, ok := range []string{"note we should add an alert", "status", "timeline"} {
			if r := h.do(bob, ch, ok); r.Error {
				t.Errorf("%q on a resolved incident refused: %q", ok, r.Message.Fallback)
			}
		}
		// Only the refusals by permission reach the timeline; bad input does not.
		if got := kinds(h.events(key)); got != "declared/typed mitigated/typed resolved/typed note/typed" {
			t.Fatalf("timeline: %s", got)
		}
	})
}

func TestPermissions(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{
			Permissions: bot.Permissions{Severity: []string{"lead", "group:sre"}},
			Groups:      incident.Groups{"sre": {"slack:U3"}},
		})
		key, ch := h.declare(alice, "declare sev3 Search slow")
		impostor := incident.Actor{Platform: "slack", ID: "U666", Name: "alice"}
		r := h.do(impostor, ch, "resolve")
		if !r.Error || !strings.Contains(r.Message.Fallback, "Only the lead or whoever declared it may resolve "+key) {
			t.Fatalf("impostor resolve: %+v", r.Message.Fallback)
		}
		if r := h.do(bob, ch, "sev 1"); !r.Error {
			t.Fatal("bob changed the severity")
		}
		if r := h.do(carol, ch, "sev 1"); r.Error {
			t.Fatalf("carol (group sre) refused: %s", r.Message.Fallback)
		}
		if r := h.do(bob, ch, "update anyone may post updates"); r.Error {
			t.Fatalf("update refused: %s", r.Message.Fallback)
		}
		h.do(alice, ch, "lead <@U2>")
		if r := h.do(bob, ch, "resolve --ongoing"); r.Error {
			t.Fatalf("the new lead could not resolve: %s", r.Message.Fallback)
		}
		evs := h.events(key)
		if got := kinds(evs); got != "declared/typed permission_denied/typed permission_denied/typed severity_changed/typed status_update/typed lead_assigned/typed resolved/typed" {
			t.Fatalf("timeline: %s", got)
		}
		if !evs[1].Actor.Same(impostor) {
			t.Fatalf("denial recorded for %+v", evs[1].Actor)
		}
		inc, _ := s.GetIncidentByKey(context.Background(), key)
		audit, err := s.ListAudit(context.Background(), storage.AuditFilter{IncidentID: inc.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Two refusals, then the change of lead (every role change is
		// audited), then who confirmed resolving with impact ongoing.
		if len(audit) != 4 || audit[0].Step != "denied" || audit[0].Actor.ID != "U666" || audit[1].Actor.ID != "U2" ||
			audit[2].Action != bot.AuditRoleLead || audit[2].Detail["to"] != "slack:U2" ||
			audit[3].Step != "confirmed" || audit[3].Actor.ID != "U2" {
			t.Fatalf("audit: %+v", audit)
		}
	})
}

func TestDeclareHere(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		war := incident.ChannelRef{Platform: "slack", ChannelID: "CWAR"}
		r := h.do(alice, war, "declare here sev2 Payments timeouts")
		h.drain()
		if len(h.rec.Ops("open")) != 0 {
			t.Fatal("declare here opened a channel")
		}
		posts := h.rec.Ops("post")
		if len(posts) != 1 || posts[0].ChannelID != "CWAR" || !posts[0].Pin {
			t.Fatalf("card: %+v", posts)
		}
		if r2 := h.do(bob, war, "status"); r2.Error || r2.IncidentKey != r.IncidentKey {
			t.Fatalf("status in the declared channel: %+v", r2)
		}
	})
}

func TestDuplicateInvocationHasOneEffect(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev1 DB down")
		first := h.click(bob, ch, "mitigated", "evt-42")
		second := h.click(bob, ch, "mitigated", "evt-42")
		if first.Duplicate || !second.Duplicate {
			t.Fatalf("first %+v second %+v", first, second)
		}
		if got := kinds(h.events(key)); got != "declared/typed mitigated/button" {
			t.Fatalf("timeline: %s", got)
		}
	})
}

func TestConcurrentClicksMitigateOnce(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev1 DB down")
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				who := incident.Actor{Platform: "slack", ID: "U" + string(rune('a'+i))}
				r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: who, Text: "mitigated", Source: incident.SourceButton})
				if err != nil {
					t.Error(err)
					return
				}
				if !r.Error {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d clicks succeeded, want 1", ok)
		}
		if got := kinds(h.events(key)); got != "declared/typed mitigated/button" {
			t.Fatalf("timeline: %s", got)
		}
	})
}

func TestFailingDeliveryKeepsStateAndRetries(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev1 DB down")
		h.rec.FailWith(func(op, _ string) error { return errors.New("slack is down") })
		if r := h.do(alice, ch, "mitigated"); r.Error {
			t.Fatal(r.Message.Fallback)
		}
		h.drain() // fails, schedules a retry
		if got := kinds(h.events(key)); got != "declared/typed mitigated/typed" {
			t.Fatalf("state change lost when delivery failed: %s", got)
		}
		before := len(h.rec.Ops("post"))
		h.rec.FailWith(nil)
		h.drain() // not due yet
		if len(h.rec.Ops("post")) != before {
			t.Fatal("retried before the backoff")
		}
		h.clock.Advance(5 * time.Second)
		h.drain()
		if len(h.rec.Ops("post")) != before+1 {
			t.Fatalf("not delivered after the backoff: %d posts", len(h.rec.Ops("post")))
		}
	})
}

func TestSenderHonoursRetryAfterAndOrder(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		_, ch := h.declare(alice, "declare sev1 DB down")
		limited := true
		h.rec.FailWith(func(op, _ string) error {
			if limited && op == "post" {
				return &bot.RetryAfterError{After: 2 * time.Second, Err: errors.New("429")}
			}
			return nil
		})
		for _, n := range []string{"one", "two", "three"} {
			h.do(alice, ch, "note "+n)
		}
		h.drain()
		limited = false
		h.clock.Advance(1900 * time.Millisecond)
		h.drain()
		if n := len(h.rec.Ops("post")); n != 1 {
			t.Fatalf("posted before Retry-After elapsed: %d posts", n)
		}
		h.clock.Advance(200 * time.Millisecond)
		h.drain()
		var got []string
		for _, p := range h.rec.Ops("post")[1:] {
			got = append(got, p.Message.Fallback)
		}
		if len(got) != 3 || !strings.HasSuffix(got[0], "one") || !strings.HasSuffix(got[1], "two") || !strings.HasSuffix(got[2], "three") {
			t.Fatalf("order after rate limit: %q", got)
		}
	})
}

func TestSenderGivesUpAfterLimit(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		_, ch := h.declare(alice, "declare sev1 DB down")
		h.rec.FailWith(func(op, _ string) error {
			if op == "ephemeral" {
				return bot.PermanentError(errors.New("user_not_in_channel"))
			}
			return nil
		})
		r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: alice, Text: "note a"})
		if err != nil || r.Error {
			t.Fatal(err, r)
		}
		h.drain()
		stats, err := s.OutboxStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stats {
			if st.Pending != 0 {
				t.Fatalf("pending after delivery: %+v", stats)
			}
		}
	})
}

func TestDeclareWithFields(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Command: "declare",
			Args: map[string]string{bot.FieldTitle: "Checkout errors", bot.FieldSeverity: "sev1",
				bot.FieldServices: "checkout, payments", bot.FieldImpactStarted: "-20m", bot.FieldDescription: "5xx on /pay"}})
		if err != nil || r.Error {
			t.Fatalf("declare from a modal: %v %+v", err, r.Message.Fallback)
		}
		inc, _ := s.GetIncidentByKey(context.Background(), r.IncidentKey)
		if inc.Title != "Checkout errors" || inc.Severity != incident.Sev1 || strings.Join(inc.Services, ",") != "checkout,payments" ||
			!inc.ImpactStartedAt.Equal(t0.Add(-20*time.Minute)) {
			t.Fatalf("incident: %+v", inc)
		}
		if got := kinds(h.events(r.IncidentKey)); got != "declared/typed services_changed/typed impact_start_moved/typed note/typed" {
			t.Fatalf("timeline: %s", got)
		}
		r, _ = h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Command: "declare",
			Args: map[string]string{bot.FieldTitle: "x", bot.FieldImpactStarted: "+5m"}})
		if !r.Error || !strings.Contains(r.Message.Fallback, "future") {
			t.Fatalf("impact start in the future from a modal: %+v", r.Message.Fallback)
		}
	})
}

func TestFormTitleIsNeverReadAsFlags(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		r, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Command: "declare",
			Args: map[string]string{bot.FieldTitle: "Here be dragons", bot.FieldSeverity: "sev3"}})
		if err != nil || r.Error {
			t.Fatalf("declare: %v %s", err, r.Message.Fallback)
		}
		h.drain()
		inc, _ := s.GetIncidentByKey(context.Background(), r.IncidentKey)
		if inc.Title != "Here be dragons" || inc.Severity != incident.Sev3 {
			t.Fatalf("incident: %q %s", inc.Title, inc.Severity)
		}
		if len(h.rec.Ops("open")) != 1 {
			t.Fatal(`a title starting with "here" bound the current channel instead of opening one`)
		}
	})
}
