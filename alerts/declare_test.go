package alerts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func checkoutRoute(action string, auto bool) config.Alerts {
	return config.Alerts{Routes: []config.AlertRoute{{
		Match: map[string]string{"alertname": "HighErrorRate"}, Action: action, Severity: "sev1",
		ServicesLabel: "service", Title: "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}", AutoMitigate: auto,
	}}}
}

// A declare route opens the incident by itself, once, from the triage
// channel; the alerts are on its timeline, the earliest start is offered as
// the impact start, and when they resolve the channel is asked — the alert
// never marks mitigation by itself.
func TestDeclareRouteAttachesAndAsksWhenResolved(t *testing.T) {
	forEachStore(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, checkoutRoute("declare", false))
		h.notify(highErrorRate(3))
		h.notify(highErrorRate(3)) // a retry
		h.route()
		incs, _ := s.ListIncidents(t.Context(), storage.IncidentFilter{})
		if len(incs) != 1 {
			t.Fatalf("%d incidents, want 1", len(incs))
		}
		inc := h.incident("INC-1")
		if inc.Title != "HighErrorRate: 5xx above 2% on checkout" || inc.Severity != incident.Sev1 ||
			inc.Declarer.Platform != "slack" || inc.Declarer.ID != "" || inc.HasLead() {
			t.Errorf("declared %+v", inc)
		}
		decl := h.events("INC-1", incident.KindDeclared)
		if len(decl) != 1 || decl[0].Source != incident.SourceAlert {
			t.Errorf("declared event %+v, want source alert", decl)
		}
		if n := len(h.rec.Ops("open")); n != 1 {
			t.Errorf("%d channels opened, want 1", n)
		}
		if got := len(h.events("INC-1", incident.KindAlertFiring)); got != 3 {
			t.Errorf("%d alert_firing, want 3", got)
		}
		ch := h.channelOf("INC-1")
		var impactMsg string
		for _, d := range h.in(ch.ChannelID) {
			if strings.Contains(text(d.Message), "earliest alert started firing at 13:50 UTC") {
				impactMsg = d.MessageID
				// Someone claims the lead, then takes the offer through
				// the impact-started command and its permission check.
				if r := h.click(bob, ch, button(t, d.Message, "Impact started 13:50")); !r.Error {
					t.Errorf("bob, neither lead nor declarer, moved the impact start: %q", r.Message.PlainText())
				}
				h.do(alice, ch, "lead @U1")
				if r := h.click(alice, ch, button(t, d.Message, "Impact started 13:50")); r.Error {
					t.Errorf("the lead could not take the offer: %q", r.Message.PlainText())
				}
			}
		}
		if impactMsg == "" {
			t.Fatalf("no impact start offered in %s", ch.ChannelID)
		}
		if got := h.incident("INC-1").ImpactStartedAt; !got.Equal(t0.Add(-10 * time.Minute)) {
			t.Errorf("impact started at %v, want 13:50", got)
		}

		// One alert resolves: nothing is asked yet.
		part := highErrorRate(3)
		part.alerts[0].status = "resolved"
		h.notify(part)
		h.route()
		if got := len(h.events("INC-1", incident.KindAlertResolved)); got != 1 {
			t.Errorf("%d alert_resolved, want 1", got)
		}
		if q := questions(h, ch.ChannelID); len(q) != 0 {
			t.Fatalf("asked while alerts still fire: %v", q)
		}
		// All resolve: asked once, never mitigated by the alert.
		h.notify(highErrorRate(3).resolved())
		h.notify(highErrorRate(3).resolved())
		h.route()
		q := questions(h, ch.ChannelID)
		if len(q) != 1 {
			t.Fatalf("asked %d times, want once", len(q))
		}
		if inc := h.incident("INC-1"); inc.Impact != incident.ImpactOngoing {
			t.Fatalf("the alert resolving mitigated the incident")
		}
		if r := h.click(bob, ch, button(t, q[0].Message, "No")); r.Error {
			t.Fatalf("no: %q", r.Message.PlainText())
		}
		notes := h.events("INC-1", incident.KindNote)
		if len(notes) == 0 || !strings.Contains(notes[len(notes)-1].Text, "impact continues") || !notes[len(notes)-1].Actor.Same(bob) {
			t.Errorf("the no is not on the timeline: %+v", notes)
		}
		// It fires and resolves again; this time the answer is yes.
		h.notify(highErrorRate(3))
		h.route()
		h.notify(highErrorRate(3).resolved())
		h.route()
		q = questions(h, ch.ChannelID)
		if len(q) != 2 {
			t.Fatalf("asked %d times after a second resolution, want 2", len(q))
		}
		if r := h.click(alice, ch, button(t, q[1].Message, "Yes")); r.Error {
			t.Fatalf("yes: %q", r.Message.PlainText())
		}
		inc = h.incident("INC-1")
		mit := h.events("INC-1", incident.KindMitigated)
		if inc.Impact != incident.ImpactMitigated || len(mit) != 1 || !mit[0].Actor.Same(alice) || mit[0].Source != incident.SourceButton {
			t.Errorf("after yes: impact %s, mitigated events %+v", inc.Impact, mit)
		}
		var answered bool
		for _, d := range h.in(ch.ChannelID) {
			if d.Op == "update" && d.MessageID == q[1].MessageID && len(d.Message.AllButtons()) == 0 {
				answered = true
			}
		}
		if !answered {
			t.Errorf("the answered question kept its buttons")
		}
	})
}

// questions are the resolve questions posted in a channel.
func questions(h *harness, channel string) []bottest.Delivery {
	var out []bottest.Delivery
	for _, d := range h.in(channel) {
		if d.Op == "post" && strings.Contains(text(d.Message), "The alerts resolved — is customer impact mitigated?") {
			out = append(out, d)
		}
	}
	return out
}

// With auto_mitigate the route marks mitigation itself, with the source
// alert, when the last attached alert resolves.
func TestAutoMitigate(t *testing.T) {
	s := storagetest.New(t)
	h := newHarness(t, s, checkoutRoute("declare", true))
	h.notify(highErrorRate(2))
	h.route()
	h.notify(highErrorRate(2).resolved())
	h.route()
	inc := h.incident("INC-1")
	mit := h.events("INC-1", incident.KindMitigated)
	if inc.Impact != incident.ImpactMitigated || len(mit) != 1 || mit[0].Source != incident.SourceAlert {
		t.Fatalf("impact %s, mitigated %+v: want mitigated by the alert", inc.Impact, mit)
	}
}

// An attach route attaches to the open incident of the same services, and
// proposes when there is none.
func TestAttachRoute(t *testing.T) {
	s := storagetest.New(t)
	h := newHarness(t, s, checkoutRoute("attach", false))
	h.notify(highErrorRate(1))
	h.route()
	if incs, _ := s.ListIncidents(t.Context(), storage.IncidentFilter{}); len(incs) != 0 {
		t.Fatalf("attach declared an incident")
	}
	msgs := h.in(triage.ChannelID)
	if len(msgs) != 1 || len(msgs[0].Message.AllButtons()) == 0 {
		t.Fatalf("with nothing to attach to, want a proposal: %+v", msgs)
	}
	// A person declares an incident on checkout; the group's next
	// notification attaches to it, and the proposal says so.
	r := h.do(alice, lobby, "declare sev2 Checkout is slow")
	h.do(alice, h.channelOf(r.IncidentKey), "services checkout")
	other := h.do(alice, lobby, "declare sev3 Search is slow")
	h.do(alice, h.channelOf(other.IncidentKey), "services search")
	h.notify(highErrorRate(2))
	h.route()
	if got := len(h.events(r.IncidentKey, incident.KindAlertFiring)); got != 2 {
		t.Errorf("%d alerts attached to %s, want 2", got, r.IncidentKey)
	}
	if got := len(h.events(other.IncidentKey, incident.KindAlertFiring)); got != 0 {
		t.Errorf("alerts attached to the incident of another service")
	}
	msgs = h.in(triage.ChannelID)
	if last := msgs[len(msgs)-1]; last.MessageID != msgs[0].MessageID || !strings.Contains(text(last.Message), "Attached to "+r.IncidentKey) {
		t.Errorf("proposal after attaching: %q", text(last.Message))
	}
}

// An alert whose name is nothing but invisible characters still declares,
// under a title that says where it came from.
func TestDeclareWithAnInvisibleName(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Alerts{Routes: []config.AlertRoute{{Action: "declare"}}})
	n := highErrorRate(1)
	n.common["alertname"] = "\u200b\u200b"
	n.annots = map[string]string{}
	h.notify(n)
	h.route()
	if inc := h.incident("INC-1"); inc.Title != "Alert from Alertmanager" {
		t.Errorf("title %q", inc.Title)
	}
}
