package checkin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestMitigationCycle follows one incident: check-ins at the sev1 cadence
// after the card's first question, each superseding the last in place; a
// "Yes, mitigated" click that does what /incident mitigated does; then the
// slower diagnosis check-in until a typed diagnosis stops it.
func TestMitigationCycle(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		if n := h.sweep(); n != 0 {
			t.Fatalf("a check-in at declaration (%d): the card asks the first question", n)
		}
		if n := h.advance(9*time.Minute + 59*time.Second); n != 0 {
			t.Fatalf("%d check-ins before the sev1 cadence", n)
		}
		if n := h.advance(time.Second); n != 1 {
			t.Fatalf("%d check-ins at 10m, want 1", n)
		}
		if n := h.sweep(); n != 0 {
			t.Fatalf("the same check-in sent again (%d)", n)
		}
		first := h.lastCheckin(ch)
		m := first.Message
		if m.Blocks[0].Text.String() != "Check-in #1 · "+inc.Key+": Checkout errors" {
			t.Fatalf("header %q", m.Blocks[0].Text.String())
		}
		wantContains(t, "check-in", text(m), bot.MitigationQuestion, "next check-in at 14:20 UTC",
			"No mitigation actions are configured") // the actions slot
		var labels []string
		for _, b := range m.AllButtons() {
			labels = append(labels, b.Label)
		}
		if strings.Join(labels, "|") != "Yes, mitigated|Partially|No, still impacting" {
			t.Fatalf("buttons %v", labels)
		}
		sent := h.eventsOf(inc.Key, incident.KindCheckinSent)
		if len(sent) != 1 || sent[0].Source != incident.SourceCheckin || !sent[0].Actor.Same(incident.System) || sent[0].Data["late"] != false {
			t.Fatalf("checkin_sent events: %+v", sent)
		}

		// The next one supersedes the first, which loses its buttons.
		if n := h.advance(10 * time.Minute); n != 1 {
			t.Fatalf("%d check-ins at 20m, want 1", n)
		}
		old := h.current(first)
		if len(old.AllButtons()) != 0 {
			t.Fatalf("a superseded check-in kept its buttons: %s", text(old))
		}
		wantContains(t, "superseded check-in", text(old), "No answer. Asked again in check-in #2 at 14:20 UTC")
		second := h.lastCheckin(ch)

		// Bob clicks "Yes, mitigated" two minutes later.
		h.clock.Advance(2 * time.Minute)
		r := h.click(bob, ch, button(t, second.Message, "Yes, mitigated"))
		if r.Error {
			t.Fatalf("yes: %+v", r)
		}
		h.drain()
		evs := h.events(inc.Key)
		tail := evs[len(evs)-2:]
		if kinds(tail) != "checkin_answered/button mitigated/button" || !tail[0].Actor.Same(bob) || !tail[1].Actor.Same(bob) ||
			tail[0].Text != "yes" || tail[0].Data["answer"] != "yes" {
			t.Fatalf("events after yes: %s (%+v)", kinds(tail), tail)
		}
		got := h.incident(inc.Key)
		if got.Impact != incident.ImpactMitigated || got.MitigatedAt == nil || !got.MitigatedAt.Equal(t0.Add(22*time.Minute)) {
			t.Fatalf("incident after yes: impact %s mitigated_at %v", got.Impact, got.MitigatedAt)
		}
		answered := h.current(second)
		if len(answered.AllButtons()) != 0 {
			t.Fatal("an answered check-in kept its buttons")
		}
		wantContains(t, "answered check-in", text(answered), "*Yes, mitigated* — <@slack:U2|bob> at 14:22 UTC")
		// Announced and the card updated, exactly as /incident mitigated does.
		wantContains(t, "announcements", strings.Join(h.announcements(ch), "\n"), "Customer impact mitigated, says <@slack:U2|bob>")
		card := h.rec.Ops("post")[0]
		wantContains(t, "card", text(h.current(card)), "🟢 mitigated")

		// No more impact check-ins; the diagnosis one comes 30m after mitigation.
		if n := h.advance(29 * time.Minute); n != 0 {
			t.Fatalf("%d check-ins after mitigation, before the diagnosis cadence", n)
		}
		if n := h.advance(time.Minute); n != 1 {
			t.Fatalf("no diagnosis check-in (%d)", n)
		}
		diag := h.lastCheckin(ch)
		wantContains(t, "diagnosis check-in", text(diag.Message), "Diagnosis check-in #1", checkin.DiagnosisQuestion, "/incident diagnosed <cause>")
		r = h.click(alice, ch, button(t, diag.Message, "Yes, identified"))
		if r.Error || !strings.Contains(text(r.Message), "/incident diagnosed <cause>") {
			t.Fatalf("yes to the diagnosis question should explain how to record it: %+v", r)
		}
		// A yes by button does not stop it: the typed diagnosis does.
		if n := h.advance(30 * time.Minute); n != 1 {
			t.Fatalf("diagnosis check-ins after a yes click: %d, want 1", n)
		}
		diag2 := h.lastCheckin(ch)
		h.do(alice, ch, "/incident diagnosed bad feature flag default")
		h.drain()
		wantContains(t, "closed diagnosis check-in", text(h.current(diag2)), "Cause identified by <@slack:U1|alice>")
		if closed := h.current(diag2); len(closed.AllButtons()) != 0 {
			t.Fatal("the diagnosis check-in kept its buttons after the diagnosis")
		}
		if n := h.advance(3 * time.Hour); n != 0 {
			t.Fatalf("%d check-ins once mitigated and diagnosed", n)
		}
		if v := h.counts.get("sent"); v != 4 {
			t.Errorf("checkins_sent = %v, want 4", v)
		}
		if v := h.counts.get("answered:yes"); v != 2 {
			t.Errorf("checkins_answered{yes} = %v, want 2", v)
		}
	})
}

// TestAnswersPartialAndNo: partially and no are recorded and the
// check-ins continue at the same cadence; with tighten_on_no the next one
// after a no comes at half the interval.
func TestAnswersPartialAndNo(t *testing.T) {
	for _, tighten := range []bool{false, true} {
		storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
			cfg := defaults()
			cfg.TightenOnNo = tighten
			h := newHarness(t, s, cfg, checkin.Options{}, bot.Options{})
			inc, ch := h.declare(alice, "/incident declare sev2 API latency")
			if n := h.advance(15 * time.Minute); n != 1 {
				t.Fatalf("sev2 check-in at 15m: %d", n)
			}
			h.clock.Advance(time.Minute)
			r := h.click(bob, ch, button(t, h.lastCheckin(ch).Message, "Partially"))
			h.drain()
			if r.Error || !strings.Contains(text(r.Message), "Next check-in at 14:30 UTC") {
				t.Fatalf("partial reply: %+v", r)
			}
			ans := h.eventsOf(inc.Key, incident.KindCheckinAnswered)
			if len(ans) != 1 || ans[0].Text != "partial" || !ans[0].Actor.Same(bob) || ans[0].Source != incident.SourceButton {
				t.Fatalf("partial answer events: %+v", ans)
			}
			if h.incident(inc.Key).Impact != incident.ImpactOngoing {
				t.Fatal("partially mitigated is not mitigated")
			}
			wantContains(t, "answered", text(h.current(h.lastCheckin(ch))), "*Partially* — <@slack:U2|bob> at 14:16 UTC")
			if n := h.advance(13*time.Minute + 59*time.Second); n != 0 {
				t.Fatalf("partial changed the cadence: %d early", n)
			}
			if n := h.advance(time.Second); n != 1 {
				t.Fatalf("check-in at 30m after partial: %d", n)
			}
			r = h.click(bob, ch, button(t, h.lastCheckin(ch).Message, "No, still impacting"))
			h.drain()
			if r.Error {
				t.Fatalf("no: %+v", r)
			}
			wantContains(t, "announcements", strings.Join(h.announcements(ch), "\n"), "still impacted")
			if !tighten {
				if c := h.checkin(inc.Key + "/impact"); !c.NextDueAt.Equal(t0.Add(45 * time.Minute)) {
					t.Fatalf("without tighten_on_no the next check-in is due %v, want 14:45", c.NextDueAt)
				}
				return
			}
			// Half of 15m after the answer at 14:30.
			if n := h.advance(7*time.Minute + 29*time.Second); n != 0 {
				t.Fatalf("tightened check-in came early: %d", n)
			}
			if n := h.advance(time.Second); n != 1 {
				t.Fatalf("tightened check-in at 14:37:30: %d", n)
			}
			// Then the normal cadence again.
			if c := h.checkin(inc.Key + "/impact"); !c.NextDueAt.Equal(t0.Add(52*time.Minute + 30*time.Second)) {
				t.Fatalf("after the tightened one, next due %v, want 14:52:30", c.NextDueAt)
			}
		})
	}
}

// TestAnswerRefusals: a check-in is answered once; unknown, foreign and
// stale check-ins are refused with a clear reason.
func TestAnswerRefusals(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		other, och := h.declare(bob, "/incident declare sev1 Search down")
		h.advance(10 * time.Minute)
		first := h.lastCheckin(ch)
		foreign := h.lastCheckin(och)
		yes := button(t, first.Message, "Partially")

		if r := h.click(bob, ch, yes); r.Error {
			t.Fatalf("first answer: %+v", r)
		}
		r := h.click(alice, ch, button(t, first.Message, "No, still impacting"))
		if !r.Error || !strings.Contains(text(r.Message), "answered already: partial by bob") {
			t.Fatalf("second answer: %+v", r)
		}
		r = h.do(alice, ch, "/incident answer 99999 yes")
		if !r.Error || !strings.Contains(text(r.Message), inc.Key+" has no check-in 99999") {
			t.Fatalf("unknown check-in: %+v", r)
		}
		// A check-in of another incident, answered from this one's channel
		// without naming it, is refused; its own button names it.
		theirs := button(t, foreign.Message, "Yes, mitigated").Command
		if !strings.HasPrefix(theirs, other.Key+" ") {
			t.Fatalf("the check-in's button does not name %s: %q", other.Key, theirs)
		}
		r = h.click(alice, ch, bot.Button{Command: strings.TrimPrefix(theirs, other.Key+" ")})
		if !r.Error || !strings.Contains(text(r.Message), "has no check-in") {
			t.Fatalf("foreign check-in: %+v", r)
		}
		if h.incident(other.Key).Impact != incident.ImpactOngoing {
			t.Fatal("a refused answer mitigated another incident")
		}
		r = h.do(alice, ch, "/incident answer 1 maybe")
		if !r.Error || !strings.Contains(text(r.Message), "yes, partial, no") {
			t.Fatalf("bad answer: %+v", r)
		}
		// Once mitigated by typing, an old button says so instead of lying.
		h.advance(10 * time.Minute)
		second := h.lastCheckin(ch)
		h.do(bob, ch, "/incident mitigated rolled back")
		h.drain()
		wantContains(t, "closed check-in", text(h.current(second)), "Impact marked mitigated by <@slack:U2|bob>")
		r = h.click(alice, ch, button(t, second.Message, "No, still impacting"))
		if !r.Error || !strings.Contains(text(r.Message), "already mitigated") {
			t.Fatalf("answer after mitigation: %+v", r)
		}
		// On a resolved incident, the engine refuses.
		if r := h.do(bob, och, "/incident resolve --ongoing"); r.Error {
			t.Fatalf("resolve: %+v", r)
		}
		r = h.click(alice, och, button(t, foreign.Message, "Yes, mitigated"))
		if !r.Error || !strings.Contains(text(r.Message), "resolved") {
			t.Fatalf("answer on a resolved incident: %+v", r)
		}
		if n := len(h.eventsOf(inc.Key, incident.KindCheckinAnswered)); n != 1 {
			t.Fatalf("%d answers recorded, want 1", n)
		}
	})
}

// TestRegressionRestarts: regressed restarts impact check-ins (one cadence
// later, unanswered count reset) and pauses the diagnosis check-in.
func TestRegressionRestarts(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev2 API latency")
		h.advance(15 * time.Minute)
		h.clock.Advance(5 * time.Minute)
		h.do(bob, ch, "/incident mitigated scaled out")
		h.drain() // 14:20
		if c := h.checkin(inc.Key + "/impact"); c.Active {
			t.Fatal("impact check-in still active after mitigation")
		}
		if n := h.advance(30 * time.Minute); n != 1 { // 14:50: diagnosis
			t.Fatalf("diagnosis check-in: %d", n)
		}
		diag := h.lastCheckin(ch)
		h.clock.Advance(5 * time.Minute) // 14:55
		h.do(bob, ch, "/incident regressed errors are back")
		h.drain()
		wantContains(t, "paused diagnosis check-in", text(h.current(diag)), "Impact is back")
		if c := h.checkin(inc.Key + "/diagnosis"); c.Active {
			t.Fatal("the diagnosis check-in kept running during a regression")
		}
		c := h.checkin(inc.Key + "/impact")
		if !c.Active || !c.NextDueAt.Equal(t0.Add(70*time.Minute)) || c.Unanswered != 0 {
			t.Fatalf("impact check-in after regression: active %v next %v unanswered %d; want due 15:10", c.Active, c.NextDueAt, c.Unanswered)
		}
		if n := h.advance(14 * time.Minute); n != 0 {
			t.Fatalf("early check-in after regression: %d", n)
		}
		if n := h.advance(time.Minute); n != 1 {
			t.Fatalf("no check-in 15m after regression: %d", n)
		}
		m := h.lastCheckin(ch).Message
		wantContains(t, "check-in after regression", text(m), bot.MitigationQuestion, "regressed once")
		if len(h.eventsOf(inc.Key, incident.KindCheckinEscalated)) != 0 {
			t.Fatal("escalated after a regression reset")
		}
		// Mitigated again: the diagnosis check-in resumes.
		h.clock.Advance(time.Minute)
		h.click(alice, ch, button(t, m, "Yes, mitigated"))
		h.drain()
		if c := h.checkin(inc.Key + "/diagnosis"); !c.Active || !c.NextDueAt.Equal(t0.Add(101*time.Minute)) {
			t.Fatalf("diagnosis check-in after mitigating again: %+v", c)
		}
	})
}

// TestSeverityChangeReschedules: a worse severity brings the next check-in
// to its faster cadence at once; a milder one lets the pending one come
// and then slows down.
func TestSeverityChangeReschedules(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev4 Slow reports")
		h.clock.Advance(5 * time.Minute)
		if r := h.do(alice, ch, "/incident sev 1"); r.Error {
			t.Fatalf("sev 1: %+v", r)
		}
		if c := h.checkin(inc.Key + "/impact"); !c.NextDueAt.Equal(t0.Add(15*time.Minute)) || c.Spec != "@every 10m" {
			t.Fatalf("after sev 1 the check-in is due %v (%s), want 14:15 at @every 10m", c.NextDueAt, c.Spec)
		}
		if n := h.advance(9*time.Minute + 59*time.Second); n != 0 {
			t.Fatalf("early: %d", n)
		}
		if n := h.advance(time.Second); n != 1 {
			t.Fatalf("no check-in at the sev1 cadence: %d", n)
		}
		h.clock.Set(t0.Add(20 * time.Minute))
		h.do(alice, ch, "/incident sev 4")
		if n := h.advance(5 * time.Minute); n != 1 {
			t.Fatalf("the pending check-in at 14:25: %d", n)
		}
		if c := h.checkin(inc.Key + "/impact"); !c.NextDueAt.Equal(t0.Add(85*time.Minute)) || c.Spec != "@every 1h" {
			t.Fatalf("after sev 4 the next is due %v (%s), want 15:25 at @every 1h", c.NextDueAt, c.Spec)
		}
		if n := h.advance(59 * time.Minute); n != 0 {
			t.Fatalf("sev4 check-in before an hour: %d", n)
		}
	})
}

// TestResolveCancels: resolving stops every check-in and takes the
// buttons off the open one.
func TestResolveCancels(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		h.advance(10 * time.Minute)
		open := h.lastCheckin(ch)
		h.clock.Advance(time.Minute)
		if r := h.do(alice, ch, "/incident resolve --ongoing flag fixed"); r.Error {
			t.Fatalf("resolve: %+v", r)
		}
		h.drain()
		m := h.current(open)
		if len(m.AllButtons()) != 0 {
			t.Fatal("the open check-in kept its buttons after resolution")
		}
		wantContains(t, "closed check-in", text(m), inc.Key+" resolved by <@slack:U1|alice> at 14:11 UTC")
		if n := h.advance(24 * time.Hour); n != 0 {
			t.Fatalf("%d check-ins after resolution", n)
		}
		cs, err := s.ListCheckins(context.Background(), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Active {
				t.Fatalf("check-in %s still active after resolution", c.Key)
			}
		}
	})
}

// TestBackfill: incidents open before check-ins existed get the check-in
// their state calls for, once.
func TestBackfill(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		mk := func(title string, change func(i *incident.Incident)) *incident.Incident {
			inc, _, err := incident.Declare(t0, alice, incident.Sev1, title)
			if err != nil {
				t.Fatal(err)
			}
			change(inc)
			if err := s.CreateIncident(ctx, inc); err != nil {
				t.Fatal(err)
			}
			return inc
		}
		ongoing := mk("ongoing", func(*incident.Incident) {})
		mitigated := mk("mitigated", func(i *incident.Incident) { i.Mitigate(t0, alice, "") })
		done := mk("diagnosed", func(i *incident.Incident) { i.Mitigate(t0, alice, ""); i.Diagnose(t0, alice, "x") })
		resolved := mk("resolved", func(i *incident.Incident) { i.Resolve(t0, alice, "") })
		for range 2 {
			if err := h.sched.Backfill(ctx); err != nil {
				t.Fatalf("Backfill: %v", err)
			}
		}
		want := map[*incident.Incident]string{ongoing: "impact", mitigated: "diagnosis", done: "", resolved: ""}
		for inc, kind := range want {
			cs, err := s.ListCheckins(ctx, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, string(c.Kind))
			}
			if strings.Join(got, ",") != kind {
				t.Errorf("%s: check-ins %v, want %q", inc.Title, got, kind)
			}
		}
		if n := h.advance(10 * time.Minute); n != 1 {
			t.Fatalf("backfilled check-ins sent at 10m: %d, want the sev1 impact one", n)
		}
	})
}
