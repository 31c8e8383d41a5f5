package bot

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// The sender delivers the operation this process enqueued without
// decoding its payload: what it delivers must be exactly what decoding the
// payload gives (as after a restart, or from another replica), for every
// kind of message: a card with panels, paging, confirmations and a form,
// an event line with mentions and links, an update, a topic, an
// ephemeral, a channel to open.
func TestRememberedOpIsTheDecodedPayload(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	alice := incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	mitigated := now.Add(5 * time.Minute)
	inc := &incident.Incident{ID: 7, Key: "INC-7", Title: "Checkout <errors> & \"more\"", Severity: incident.Sev1,
		Impact: incident.ImpactOngoing, Cause: incident.CauseUnknown, State: incident.StateOpen, Lead: alice, Declarer: alice,
		Services: []string{"checkout"}, Channels: []incident.ChannelRef{{Platform: "slack", ChannelID: "C7"}},
		Roles: map[string]incident.Actor{"comms": alice}, ImpactStartedAt: now, DeclaredAt: now, MitigatedAt: &mitigated}
	acts := []ActionButton{{ID: "rollback", Title: "Roll back", Danger: true, Confirm: "Roll back checkout?"}, {ID: "flag", Title: "Flag off"}}
	panels := []Block{{Kind: BlockContext, Text: Textf("🧪 *DRILL* of %s", "checkout")}}
	var followUp Message
	followUp.Buttons(Button{Label: "Add follow-up", Command: "follow-up", Form: FollowUpForm()})
	panels = append(panels, followUp.Blocks...)
	card := IncidentCardWith(inc, now.Add(time.Hour), acts, panels)
	line := Message{Fallback: "note"}
	line.Text(EventLine(inc, incident.NewEvent(now, incident.KindNote, alice, "see <https://x.example/a?b=1&c=2|dash> <@U2>", nil), now))

	o := outbox{now: now}
	o.post(incidentTarget(inc), CardKey(inc), card, true)
	o.update(incidentTarget(inc), CardKey(inc), card)
	o.post(incidentTarget(inc), "", line, false)
	o.topic(inc, Topic(inc))
	o.ephemeral(incident.ChannelRef{Platform: "slack", ChannelID: "C7"}, alice, line)
	o.openChannel(inc, "slack", OpenChannelRequest{IncidentKey: inc.Key, Name: "inc-7-checkout", Topic: Topic(inc),
		Invite: []incident.Actor{alice}, From: incident.ChannelRef{Platform: "slack", ChannelID: "CLOBBY"}, Title: inc.Title, Severity: "sev1"})
	o.remember()
	for i, m := range o.msgs {
		var decoded Op
		if err := json.Unmarshal(m.Payload, &decoded); err != nil {
			t.Fatal(err)
		}
		got, ok := enqueuedOps.take(m.Payload)
		if !ok {
			t.Fatalf("message %d (%s) was not remembered", i, m.Kind)
		}
		if !reflect.DeepEqual(got, decoded) {
			t.Errorf("message %d (%s): remembered\n%#v\ndecoded\n%#v", i, m.Kind, got, decoded)
		}
		if _, ok := enqueuedOps.take(m.Payload); ok {
			t.Errorf("message %d (%s) served twice", i, m.Kind)
		}
	}
	if _, ok := enqueuedOps.take([]byte(`{"incident_id":7}`)); ok {
		t.Error("a payload never enqueued was served")
	}
}
