package alerts_test

import (
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/console"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/goldenfile"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func golden(t *testing.T, name string, m bot.Message) {
	t.Helper()
	goldenfile.Assert(t, name+".golden", console.Render(m, false, nil)+"\n")
}

// TestGoldenMessages checks the alert messages as the terminal renders
// them: a proposal with an incident to attach to, the proposal once
// declared, the impact-start offer, the resolve question and its answer.
func TestGoldenMessages(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Alerts{Routes: []config.AlertRoute{
		{Match: map[string]string{"alertname": "HighErrorRate"}, SeverityLabel: "severity",
			SeverityMap: map[string]string{"critical": "sev1"}, ServicesLabel: "service"},
	}})
	r := h.do(alice, lobby, "declare sev2 Checkout is slow")
	h.do(alice, h.channelOf(r.IncidentKey), "services checkout")
	h.notify(highErrorRate(3))
	h.route()
	prop := h.in(triage.ChannelID)[0]
	golden(t, "proposal", prop.Message)

	h.click(bob, triage, button(t, prop.Message, "Declare"))
	msgs := h.in(triage.ChannelID)
	golden(t, "proposal_declared", msgs[len(msgs)-1].Message)

	ch := h.channelOf("INC-2")
	for _, d := range h.in(ch.ChannelID) {
		if len(d.Message.AllButtons()) == 1 && d.Message.AllButtons()[0].Label == "Impact started 13:50" {
			golden(t, "impact_start_offer", d.Message)
		}
	}
	h.notify(highErrorRate(3).resolved())
	h.route()
	q := questions(h, ch.ChannelID)
	if len(q) != 1 {
		t.Fatalf("%d questions", len(q))
	}
	golden(t, "resolved_question", q[0].Message)
	h.click(bob, ch, button(t, q[0].Message, "No"))
	all := h.in(ch.ChannelID)
	for _, d := range all {
		if d.Op == "update" && d.MessageID == q[0].MessageID {
			golden(t, "resolved_question_answered", d.Message)
		}
	}
}
