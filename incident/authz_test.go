package incident

import "testing"

func TestAllowed(t *testing.T) {
	inc, _, _ := Declare(t0, alice, Sev1, "x")
	inc.AssignLead(t0, alice, bob)
	carol := Actor{Platform: "discord", ID: "81234567890123456", Name: "carol"}
	groups := Groups{"sre": {"discord:81234567890123456"}}
	tests := []struct {
		name  string
		actor Actor
		rules []string
		want  bool
	}{
		{"no rules denies", bob, nil, false},
		{"lead role", bob, []string{"lead"}, true},
		{"declarer role", alice, []string{"declarer"}, true},
		{"declarer is not lead", alice, []string{"lead"}, false},
		{"group member", carol, []string{"group:sre"}, true},
		{"not in group", bob, []string{"group:sre"}, false},
		{"unknown group", carol, []string{"group:dba"}, false},
		{"user ref", carol, []string{"discord:81234567890123456"}, true},
		{"same ID other platform", Actor{Platform: "slack", ID: "81234567890123456"}, []string{"discord:81234567890123456"}, false},
		{"display name is not identity", Actor{Platform: "slack", ID: "U777", Name: "bob"}, []string{"lead", "slack:bob"}, false},
		{"zero actor", Actor{}, []string{"lead", ":"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Allowed(inc, tt.actor, tt.rules, groups); got != tt.want {
				t.Fatalf("Allowed = %v, want %v", got, tt.want)
			}
		})
	}
}
