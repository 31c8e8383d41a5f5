package checkin_test

import (
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/console"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/goldenfile"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// golden compares got with testdata/name.golden.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Assert(t, name+".golden", got)
}

func render(m bot.Message) string { return console.Render(m, false, nil) + "\n" }

func twoActions(*incident.Incident) []bot.ActionButton {
	return []bot.ActionButton{
		{ID: "rollback-checkout", Title: "Roll back checkout", Danger: true, Confirm: "Roll checkout back to the previous release?"},
		{ID: "kill-new-checkout", Title: "Kill switch: new checkout", Danger: true},
	}
}

// TestGoldenMessages checks the check-in messages as the terminal renders
// them: a check-in with its mitigation actions under the buttons, the same
// one escalated to the lead and late, then superseded, answered, a
// diagnosis check-in, and one closed by the resolution.
func TestGoldenMessages(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), defaults(), checkin.Options{}, bot.Options{ActionsFor: twoActions})
	_, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
	h.advance(10 * time.Minute)
	first := h.lastCheckin(ch)
	golden(t, "checkin", render(first.Message))

	h.advance(10 * time.Minute)
	golden(t, "checkin_superseded", render(h.current(first)))

	// The bot was down: the third one is late, and escalates to the lead.
	h.clock.Advance(45 * time.Minute)
	h.start()
	h.sweep()
	late := h.lastCheckin(ch)
	golden(t, "checkin_escalated_late", render(late.Message))

	h.clock.Advance(3 * time.Minute)
	h.click(bob, ch, button(t, late.Message, "Yes, mitigated"))
	h.drain()
	golden(t, "checkin_answered", render(h.current(late)))

	h.advance(30 * time.Minute)
	diag := h.lastCheckin(ch)
	golden(t, "diagnosis", render(diag.Message))

	h.clock.Advance(time.Minute)
	h.do(alice, ch, "/incident resolve flag default fixed")
	h.drain()
	golden(t, "diagnosis_closed", render(h.current(diag)))
}
