package checkin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/incident"
)

// The weekly digest goes to a channel everyone may read: a private
// incident counts in its numbers, but its line names neither its title
// nor its services.
func TestDigestKeepsPrivateIncidentsPrivate(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	who := incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	pub, _, _ := incident.Declare(at.Add(-48*time.Hour), who, incident.Sev2, "Search is slow")
	pub.ID, pub.Key = 1, "INC-1"
	priv, _, _ := incident.Declare(at.Add(-24*time.Hour), who, incident.Sev1, "Payroll export leaks salaries")
	priv.ID, priv.Key, priv.Private = 2, "INC-2", true
	m := checkin.DigestMessage([]*incident.Incident{pub, priv}, at.Add(-7*24*time.Hour), at, at)
	var all []string
	for _, b := range m.Blocks {
		all = append(all, b.Text.String())
	}
	text := strings.Join(append(all, m.Fallback), "\n")
	if strings.Contains(text, "Payroll") {
		t.Fatalf("the digest names a private incident:\n%s", text)
	}
	for _, want := range []string{"Search is slow", "INC-2", "private incident", "2 incidents"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
}
