package incident

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTitleBounds(t *testing.T) {
	if _, _, err := Declare(t0, alice, Sev1, strings.Repeat("x", 3300)); !errors.Is(err, ErrTitleTooLong) ||
		!strings.Contains(err.Error(), "3300 characters") || !strings.Contains(err.Error(), "at most 200") {
		t.Fatalf("3,300 characters: %v", err)
	}
	inc, ev, err := Declare(t0, alice, Sev1, strings.Repeat("é", 200))
	if err != nil || inc.Title != ev.Text {
		t.Fatalf("200 characters: %v", err)
	}
	if _, _, err := Declare(t0, alice, Sev1, "\x1b[0m\u200b"); !errors.Is(err, ErrEmptyTitle) {
		t.Fatalf("a title of controls only: %v", err)
	}
	inc, _, _ = Declare(t0, alice, Sev1, "Checkout\nerrors\x1b[31m")
	if inc.Title != "Checkout errors" {
		t.Fatalf("title %q", inc.Title)
	}
}

func TestRename(t *testing.T) {
	inc, _, _ := Declare(t0, alice, Sev1, "Checkout errors")
	ev, err := inc.Rename(at(1), bob, " Payments\tprovider\u202e outage ")
	if err != nil || inc.Title != "Payments provider outage" || ev.Kind != KindRenamed ||
		ev.Data["from"] != "Checkout errors" || ev.Data["to"] != "Payments provider outage" || ev.Text != inc.Title {
		t.Fatalf("rename: %v %q %+v", err, inc.Title, ev)
	}
	for _, tt := range []struct {
		title string
		want  error
	}{{"Payments provider outage", ErrSameTitle}, {" ", ErrEmptyTitle}, {strings.Repeat("y", 201), ErrTitleTooLong}} {
		if _, err := inc.Rename(at(2), bob, tt.title); !errors.Is(err, tt.want) {
			t.Errorf("rename to %.20q: %v, want %v", tt.title, err, tt.want)
		}
	}
	inc.Resolve(at(3), alice, "")
	if _, err := inc.Rename(at(4), alice, "After the fact"); !errors.Is(err, ErrResolved) {
		t.Fatalf("rename resolved: %v", err)
	}
}

func TestParseServiceName(t *testing.T) {
	for in, want := range map[string]string{"checkout": "checkout", " Payments ": "payments", "api-v2.eu_west:1": "api-v2.eu_west:1"} {
		if got, err := ParseServiceName(in); err != nil || got != want {
			t.Errorf("ParseServiceName(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"a$b", "<x>", "-lead", "", "two words", strings.Repeat("s", 129), "caf\u00e9", "a\x1bb"} {
		_, err := ParseServiceName(bad)
		if !errors.Is(err, ErrBadServiceName) || !strings.Contains(err.Error(), "is not a service name: use letters, digits") {
			t.Errorf("ParseServiceName(%q) = %v", bad, err)
		}
	}
	inc, _, _ := Declare(t0, alice, Sev1, "x")
	if _, err := inc.SetServices(at(1), alice, []string{"checkout", "a$b"}); !errors.Is(err, ErrBadServiceName) || len(inc.Services) != 0 {
		t.Fatalf("SetServices with a bad name: %v %v", err, inc.Services)
	}
	if _, err := inc.SetServices(at(1), alice, []string{"Checkout,", "", "checkout", "payments"}); err != nil || strings.Join(inc.Services, ",") != "checkout,payments" {
		t.Fatalf("SetServices: %v %v", err, inc.Services)
	}
}

func TestCheckImpactStart(t *testing.T) {
	now := t0
	if err := CheckImpactStart(now, now.Add(-MaxImpactLookback)); err != nil {
		t.Fatalf("exactly 30 days: %v", err)
	}
	err := CheckImpactStart(now, now.Add(-9999*time.Hour))
	if !errors.Is(err, ErrImpactStartTooEarly) || !strings.Contains(err.Error(), "2025-01-08 21:00 UTC is more than 30 days before now") {
		t.Fatalf("-9999h: %v", err)
	}
}

func TestLeadChangesRecordFromAndTo(t *testing.T) {
	inc, _, _ := Declare(t0, alice, Sev1, "x")
	ev, err := inc.AssignLead(at(1), alice, Actor{Platform: "slack", ID: "U2", Name: "bo\x1b[5mb\u202e"})
	if err != nil || ev.Data["from"] != "slack:U1" || ev.Data["to"] != "slack:U2" || inc.Lead.Name != "bob" {
		t.Fatalf("assign: %v %+v %+v", err, ev.Data, inc.Lead)
	}
	sys, _, _ := Declare(t0, System, Sev2, "from an alert")
	if sys.HasLead() {
		t.Fatal("an incident the system declared has a lead")
	}
	ev, _ = sys.AssignLead(at(1), bob, bob)
	if ev.Data["from"] != "" || ev.Data["to"] != "slack:U2" || !sys.HasLead() {
		t.Fatalf("claim: %+v", ev.Data)
	}
}
