package timeline

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// The export names who holds each incident role (an addition to DESIGN
// §4's shape): {} when nobody does, never null.
func TestExportHasTheRoles(t *testing.T) {
	at := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	ana := incident.Actor{Platform: "slack", ID: "U1", Name: "ana"}
	inc, ev, err := incident.Declare(at, ana, incident.Sev1, "Checkout errors")
	if err != nil {
		t.Fatal(err)
	}
	inc.ID, inc.Key = 7, "INC-7"
	roles := func() map[string]any {
		t.Helper()
		b, err := Build(inc, []incident.Event{ev}, at).JSON()
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Incident map[string]any `json:"incident"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		r, ok := doc.Incident["roles"].(map[string]any)
		if !ok {
			t.Fatalf("incident.roles is %#v, want an object", doc.Incident["roles"])
		}
		return r
	}
	if r := roles(); len(r) != 0 {
		t.Fatalf("no roles held: %v", r)
	}
	if _, err := inc.AssignRole(at, ana, "comms", incident.Actor{Platform: "slack", ID: "U2", Name: "bob"}); err != nil {
		t.Fatal(err)
	}
	comms, _ := roles()["comms"].(map[string]any)
	if comms["platform"] != "slack" || comms["id"] != "U2" || comms["name"] != "bob" {
		t.Fatalf("incident.roles.comms = %v", comms)
	}
}
