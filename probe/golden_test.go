package probe_test

import (
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/console"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/goldenfile"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// golden compares got with testdata/name.golden.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Assert(t, name+".golden", got)
}

func render(m bot.Message) string { return console.Render(m, false, nil) + "\n" }

// current is how the message posted as d reads now (its last update).
func (h *harness) current(channelID, messageID string, m bot.Message) bot.Message {
	for _, u := range h.rec.Ops("update") {
		if u.ChannelID == channelID && u.MessageID == messageID {
			m = u.Message
		}
	}
	return m
}

// TestGoldenMessages checks what the probes say as the terminal renders
// it: the impact-start offer, the card with the probe's line, the
// challenge and the same once answered, and the regression prompt with
// the mitigation actions.
func TestGoldenMessages(t *testing.T) {
	f := newFakeProm(t, token)
	f.setHistory(func(at time.Time) (float64, bool) {
		if at.Before(t0.Add(-14 * time.Minute)) {
			return 0.001, true
		}
		return 0.382, true
	})
	f.setValue(0.382)
	h := newHarness(t, storagetest.NewSQLite(t), clock.NewFake(t0), promProbe(f.srv.URL))
	_, ch := h.declare("declare sev1 Checkout errors", "checkout")
	h.sweep()
	golden(t, "impact_start_offer", render(h.lastPosted(ch, "saw the breach begin").Message))
	h.advance(90 * time.Second)
	h.do(alice, ch, "status")
	golden(t, "card", render(h.do(alice, ch, "status").Message))

	h.do(alice, ch, "mitigated rolled back")
	c := h.lastPosted(ch, "The probe says")
	golden(t, "challenge", render(c.Message))
	h.click(bob, ch, button(t, c.Message, "The probe is wrong"))
	golden(t, "challenge_answered", render(h.current(c.ChannelID, c.MessageID, c.Message)))

	f.setValue(0.001)
	h.advance(30 * time.Second)
	h.advance(5 * time.Minute)
	f.setValue(0.25)
	h.advance(30 * time.Second)
	h.advance(30 * time.Second)
	h.advance(30 * time.Second)
	golden(t, "regression", render(h.lastPosted(ch, "Impact is back?").Message))
}
