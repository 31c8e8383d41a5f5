package alerts_test

import (
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/alerts"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// An alert nobody routes is proposed in the triage channel; Alertmanager's
// retries change nothing, a changed group updates the one message, and a
// click on Declare opens the incident with the alerts attached.
func TestProposalUpdatesOneMessageAndDeclaresOnClick(t *testing.T) {
	forEachStore(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, config.Alerts{Routes: []config.AlertRoute{
			{Match: map[string]string{"severity": "critical"}, Action: "propose", SeverityLabel: "severity",
				SeverityMap: map[string]string{"critical": "sev1"}, ServicesLabel: "service"},
		}})
		h.notify(highErrorRate(3))
		if n := h.route(); n != 1 {
			t.Fatalf("routed %d groups, want 1", n)
		}
		msgs := h.in(triage.ChannelID)
		if len(msgs) != 1 || msgs[0].Op != "post" {
			t.Fatalf("triage got %+v, want one post", msgs)
		}
		first := msgs[0]
		if got := text(first.Message); !strings.Contains(got, "Alert HighErrorRate firing on checkout (3 alerts)") ||
			!strings.Contains(got, "5xx above 2% on checkout") {
			t.Errorf("proposal reads %q", got)
		}
		labels := []string{}
		for _, b := range first.Message.AllButtons() {
			labels = append(labels, b.Label)
		}
		if strings.Join(labels, "|") != "Declare SEV1|Ignore" {
			t.Errorf("buttons %v, want Declare SEV1 and Ignore (no open incident of checkout to attach to)", labels)
		}

		// Alertmanager retries (a timeout, a 5xx) and repeats: nothing new.
		h.notify(highErrorRate(3))
		h.notify(highErrorRate(3))
		if n := h.route(); n != 0 {
			t.Errorf("a retry was routed again (%d)", n)
		}
		if got := len(h.in(triage.ChannelID)); got != 1 {
			t.Errorf("retries sent messages: %d in triage", got)
		}

		// The group grows: the same message is updated.
		h.notify(highErrorRate(4))
		h.route()
		msgs = h.in(triage.ChannelID)
		if len(msgs) != 2 || msgs[1].Op != "update" || msgs[1].MessageID != first.MessageID {
			t.Fatalf("after the group grew: %+v, want an update of %s", msgs, first.MessageID)
		}
		if got := text(msgs[1].Message); !strings.Contains(got, "(4 alerts)") {
			t.Errorf("updated proposal reads %q", got)
		}

		r := h.click(bob, triage, button(t, msgs[1].Message, "Declare SEV1"))
		if r.Error || r.IncidentKey != "INC-1" {
			t.Fatalf("declare click: %+v %q", r, r.Message.PlainText())
		}
		inc := h.incident("INC-1")
		if inc.Severity != incident.Sev1 || !inc.Declarer.Same(bob) || strings.Join(inc.Services, ",") != "checkout" ||
			!strings.Contains(inc.Title, "HighErrorRate") {
			t.Errorf("declared %+v", inc)
		}
		if got := len(h.events("INC-1", incident.KindAlertFiring)); got != 4 {
			t.Errorf("%d alert_firing events, want 4", got)
		}
		msgs = h.in(triage.ChannelID)
		last := msgs[len(msgs)-1]
		if last.MessageID != first.MessageID || len(last.Message.AllButtons()) != 0 ||
			!strings.Contains(text(last.Message), "Declared as INC-1 by") {
			t.Errorf("proposal after declaring: %+v %q", last, text(last.Message))
		}
		// A second click (a stale message, a colleague) declares nothing.
		r = h.click(alice, triage, button(t, msgs[1].Message, "Declare SEV1"))
		if !r.Error || !strings.Contains(r.Message.PlainText(), "already part of INC-1") {
			t.Errorf("second click: %q", r.Message.PlainText())
		}
		if incs, _ := s.ListIncidents(t.Context(), storage.IncidentFilter{}); len(incs) != 1 {
			t.Errorf("%d incidents, want 1", len(incs))
		}
		// More alerts of the group now attach to INC-1, without a new proposal.
		h.notify(highErrorRate(5))
		h.route()
		if got := len(h.events("INC-1", incident.KindAlertFiring)); got != 5 {
			t.Errorf("%d alert_firing events after a fifth alert, want 5", got)
		}
		if got := len(h.in(triage.ChannelID)); got != len(msgs) {
			t.Errorf("the triage channel got more messages after declaring")
		}
	})
}

// Ignore drops the proposal until the group resolves; who may click is
// checked on the server by immutable ID.
func TestIgnoreAndWhoMayClick(t *testing.T) {
	s := storagetest.New(t)
	h := newHarness(t, s, config.Alerts{Allowed: []string{"group:sre"}})
	h.notify(highErrorRate(2))
	h.route()
	prop := h.in(triage.ChannelID)[0].Message
	impostor := incident.Actor{Platform: "slack", ID: "U9", Name: "alice"} // alice's name, not her ID
	r := h.click(impostor, triage, button(t, prop, "Declare"))
	if !r.Error || !strings.Contains(r.Message.PlainText(), "Only group:sre may") {
		t.Fatalf("impostor's click: %q", r.Message.PlainText())
	}
	r = h.click(impostor, triage, button(t, prop, "Ignore"))
	if !r.Error {
		t.Fatalf("impostor ignored it: %q", r.Message.PlainText())
	}
	if incs, _ := s.ListIncidents(t.Context(), storage.IncidentFilter{}); len(incs) != 0 {
		t.Fatalf("a refused click declared %d incidents", len(incs))
	}
	r = h.click(alice, triage, button(t, prop, "Ignore"))
	if r.Error {
		t.Fatalf("alice's ignore: %q", r.Message.PlainText())
	}
	msgs := h.in(triage.ChannelID)
	if last := msgs[len(msgs)-1]; len(last.Message.AllButtons()) != 0 || !strings.Contains(text(last.Message), "Ignored by") {
		t.Errorf("after ignoring: %q", text(last.Message))
	}
	// More alerts while ignored update the message, with no buttons.
	h.notify(highErrorRate(3))
	h.route()
	msgs = h.in(triage.ChannelID)
	if last := msgs[len(msgs)-1]; last.Op != "update" || len(last.Message.AllButtons()) != 0 {
		t.Errorf("an ignored group was proposed again: %q", text(last.Message))
	}
	// Once it resolves and fires again, it is proposed again, in the same message.
	h.notify(highErrorRate(3).resolved())
	h.route()
	h.notify(highErrorRate(1))
	h.route()
	msgs = h.in(triage.ChannelID)
	last := msgs[len(msgs)-1]
	if last.MessageID != msgs[0].MessageID || len(last.Message.AllButtons()) == 0 {
		t.Errorf("after resolving and firing again: %+v", last)
	}
}

// Labels and annotations are the sender's text: data, never a mention, a
// link or markup.
func TestAlertTextIsData(t *testing.T) {
	s := storagetest.New(t)
	h := newHarness(t, s, config.Alerts{})
	n := highErrorRate(1)
	n.common["alertname"] = "<!channel> <@U1> wake up"
	n.annots["summary"] = "<https://evil.example|Approve rollback here> **bold**"
	h.notify(n)
	h.route()
	m := h.in(triage.ChannelID)[0].Message
	for _, b := range m.Blocks {
		for _, sp := range b.Text {
			if sp.Kind != bot.SpanText {
				t.Errorf("a span of kind %v in the proposal: %+v", sp.Kind, sp)
			}
		}
	}
	if !strings.Contains(text(m), "<!channel> <@U1> wake up") {
		t.Errorf("the alert's name is not shown as written: %q", m.PlainText())
	}
}

var _ = alerts.CmdDeclare
