package incident

import (
	"errors"
	"testing"
	"time"
)

func TestParseRoleName(t *testing.T) {
	for _, ok := range []string{"comms", "Scribe", "ops", "on-call", "customer_liaison", "r2"} {
		if _, err := ParseRoleName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "lead", "Declarer", "two words", "2nd", "-ops", "comms!", "role:comms", "ünicode",
		"a234567890123456789012345678901234"} {
		if n, err := ParseRoleName(bad); !errors.Is(err, ErrBadRoleName) {
			t.Errorf("%q accepted as %q", bad, n)
		}
	}
}

// A role changes hands with who, from and to on the event; taking it from
// nobody or giving it to whoever has it is refused, as is any change once
// the incident is resolved.
func TestAssignRole(t *testing.T) {
	inc, _, _ := Declare(t0, alice, Sev1, "x")
	carol := Actor{Platform: "discord", ID: "81", Name: "carol"}
	if _, err := inc.AssignRole(t0, alice, "comms", Actor{}); !errors.Is(err, ErrRoleNotHeld) {
		t.Fatalf("clearing an unheld role: %v", err)
	}
	ev, err := inc.AssignRole(t0, alice, "Comms", bob)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != KindRoleAssigned || ev.Text != "comms → "+bob.Display() || ev.Data["role"] != "comms" || ev.Data["from"] != "" || ev.Data["to"] != bob.Ref() {
		t.Fatalf("event %+v", ev)
	}
	if !inc.HoldsRole("comms", bob) || inc.HoldsRole("comms", alice) || inc.HoldsRole("scribe", bob) {
		t.Fatalf("roles %+v", inc.Roles)
	}
	if _, err := inc.AssignRole(t0, alice, "comms", Actor{Platform: bob.Platform, ID: bob.ID, Name: "someone else"}); !errors.Is(err, ErrSameRoleHolder) {
		t.Fatalf("same holder: %v", err)
	}
	ev, _ = inc.AssignRole(t0.Add(time.Minute), bob, "comms", carol)
	if ev.Data["from"] != bob.Ref() || ev.Data["to"] != "discord:81" {
		t.Fatalf("hand over %+v", ev.Data)
	}
	c := inc.Clone()
	ev, _ = inc.AssignRole(t0.Add(2*time.Minute), carol, "comms", Actor{})
	if ev.Data["from"] != "discord:81" || ev.Data["to"] != "" || ev.Text != "comms → nobody" || inc.Roles != nil {
		t.Fatalf("clear %+v, roles %+v", ev, inc.Roles)
	}
	if !c.HoldsRole("comms", carol) {
		t.Fatal("a clone shares its roles with the original")
	}
	if _, err := inc.AssignRole(t0, alice, "lead", bob); !errors.Is(err, ErrBadRoleName) {
		t.Fatalf("lead as a role: %v", err)
	}
	inc.Resolve(t0, alice, "")
	if _, err := inc.AssignRole(t0, alice, "comms", bob); !errors.Is(err, ErrResolved) {
		t.Fatalf("on a resolved incident: %v", err)
	}
}

// role:<name> in a rule allows whoever holds that role, by immutable ID.
func TestAllowedByRole(t *testing.T) {
	inc, _, _ := Declare(t0, alice, Sev1, "x")
	inc.AssignRole(t0, alice, "comms", bob)
	impostor := Actor{Platform: bob.Platform, ID: "U999", Name: bob.Name}
	for _, tt := range []struct {
		who   Actor
		rules []string
		want  bool
	}{
		{bob, []string{"role:comms"}, true},
		{bob, []string{"role:scribe"}, false},
		{alice, []string{"role:comms"}, false},
		{impostor, []string{"role:comms"}, false},
		{bob, []string{"comms"}, false},
	} {
		if got := Allowed(inc, tt.who, tt.rules, nil); got != tt.want {
			t.Errorf("%s with %v: %v, want %v", tt.who.Ref(), tt.rules, got, tt.want)
		}
	}
	if Allowed(nil, bob, []string{"role:comms"}, nil) {
		t.Error("a role rule allowed with no incident")
	}
}
