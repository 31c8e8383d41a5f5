package checkin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// "Yes, identified" on a diagnosis check-in opens a form for the cause.
// Its submission answers the check-in (yes, by whoever submitted) and
// records the diagnosis with that cause, which ends the question; a
// platform that cannot show the form sends the button's command alone,
// and the answer explains what to type.
func TestYesIdentifiedAsksForTheCause(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		h.do(alice, ch, "mitigated rolled back")
		if n := h.advance(30 * time.Minute); n != 1 {
			t.Fatalf("no diagnosis check-in (%d)", n)
		}
		diag := h.lastCheckin(ch)
		yes := button(t, diag.Message, "Yes, identified")
		if yes.Form == nil || yes.Form.ID != bot.FormCause || len(yes.Form.Fields) != 1 || yes.Form.Fields[0].Name != bot.FieldCause ||
			yes.Form.Title != "What is the cause?" {
			t.Fatalf("the button opens no cause form: %+v", yes.Form)
		}
		if got, ok := bot.LookupForm(yes.Form.ID); !ok || got.Title != yes.Form.Title {
			t.Fatalf("the form is not registered: %+v", got)
		}

		// Without the form (a platform that has none): today's answer.
		r := h.click(bob, ch, yes)
		if r.Error || !strings.Contains(text(r.Message), "/incident diagnosed <cause>") {
			t.Fatalf("yes without a cause: %+v", r)
		}
		if got := h.incident(inc.Key); got.Cause != incident.CauseUnknown {
			t.Fatal("a yes without a cause recorded a diagnosis")
		}

		// With it, on the next check-in.
		if n := h.advance(30 * time.Minute); n != 1 {
			t.Fatalf("no second diagnosis check-in (%d)", n)
		}
		diag2 := h.lastCheckin(ch)
		yes = button(t, diag2.Message, "Yes, identified")
		h.clock.Advance(3 * time.Minute)
		r = h.invoke(bot.Invocation{Channel: ch, Actor: bob, Text: yes.Command, Source: incident.SourceTyped,
			Args: map[string]string{bot.FieldCause: "  bad default for the new-checkout flag <@U3|carol> \n"}})
		if r.Error || !strings.Contains(text(r.Message), "Recorded on "+inc.Key+"'s timeline: diagnosed") {
			t.Fatalf("yes with a cause: %s", text(r.Message))
		}
		h.drain()
		got := h.incident(inc.Key)
		if got.Cause != incident.CauseIdentified || got.CauseText != "bad default for the new-checkout flag @carol" ||
			got.DiagnosedAt == nil || !got.DiagnosedAt.Equal(h.clock.Now()) {
			t.Fatalf("diagnosis: %s %q %v", got.Cause, got.CauseText, got.DiagnosedAt)
		}
		evs := h.events(inc.Key)
		tail := evs[len(evs)-2:]
		if kinds(tail) != "checkin_answered/typed diagnosed/typed" || !tail[0].Actor.Same(bob) || tail[0].Data["answer"] != "yes" ||
			tail[0].Data["kind"] != "diagnosis" || !tail[1].Actor.Same(bob) {
			t.Fatalf("events: %s %+v", kinds(tail), tail)
		}
		answered := h.current(diag2)
		wantContains(t, "answered check-in", text(answered), "*Yes, identified* — <@slack:U2|bob> at 15:03 UTC")
		if len(answered.AllButtons()) != 0 {
			t.Fatal("the answered check-in kept its buttons")
		}
		wantContains(t, "announcements", strings.Join(h.announcements(ch), "\n"), "Cause identified by <@slack:U2|bob>: bad default for the new-checkout flag @carol.")
		if n := h.advance(3 * time.Hour); n != 0 {
			t.Fatalf("%d check-ins after the diagnosis", n)
		}
		if c := h.checkin(inc.Key + "/diagnosis"); c.Active {
			t.Fatal("the diagnosis check-in is still active")
		}
	})
}
