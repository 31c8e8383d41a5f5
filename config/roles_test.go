package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestRolesLoad(t *testing.T) {
	c := mustLoad(t, "roles: [comms, scribe, ops]\npermissions:\n  roles: [lead, 'role:comms']\n  resolve: [lead, 'role:ops']\n"+
		"actions:\n  - {id: status-page, kind: custom, allowed: ['role:comms']}\n", nil, nil)
	if !reflect.DeepEqual(c.Roles, []string{"comms", "scribe", "ops"}) || !reflect.DeepEqual(c.Permissions.Roles, []string{"lead", "role:comms"}) {
		t.Fatalf("roles %v, permissions.roles %v", c.Roles, c.Permissions.Roles)
	}
	if d := mustLoad(t, "", nil, nil); len(d.Roles) != 0 || !reflect.DeepEqual(d.Permissions.Roles, []string{"lead", "declarer"}) {
		t.Fatalf("defaults: roles %v, permissions.roles %v", d.Roles, d.Permissions.Roles)
	}
}

// check-config names every bad role and every reference to a role that is
// not configured, on its key and line.
func TestRoleProblems(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, key string
		line            int
		msg             string
	}{
		{"upper case", "roles: [Comms]\n", "roles[0]", 1, `"Comms": write role names in lower case (comms)`},
		{"two words", "roles: ['press office']\n", "roles[0]", 1, "want one lower-case word"},
		{"built in", "roles: [comms, lead]\n", "roles[1]", 1, "lead and declarer are built in"},
		{"declarer", "roles:\n  - declarer\n", "roles[0]", 2, "built in"},
		{"duplicate", "roles: [comms, ops, comms]\n", "roles[2]", 1, `duplicate role "comms" (also roles[0])`},
		{"undefined in permissions", "roles: [comms]\npermissions:\n  resolve: [lead, 'role:ops']\n", "permissions.resolve[1]", 3, `role "ops" is not defined in roles`},
		{"undefined in permissions.roles", "permissions:\n  roles: ['role:comms']\n", "permissions.roles[0]", 2, `role "comms" is not defined in roles`},
		{"undefined in allowed", "actions:\n  - {id: a, kind: custom, allowed: ['role:scribe']}\n", "actions[0].allowed[0]", 2, `role "scribe" is not defined`},
		{"role as responder", "roles: [comms]\nslack:\n  responders: ['role:comms']\n", "slack.responders[0]", 3, "roles are not allowed here"},
		{"role in group", "roles: [comms]\ngroups:\n  sre: ['role:comms']\n", "groups.sre[0]", 3, "roles are not allowed here"},
		{"bad ref names role:<name>", "roles: [comms]\npermissions:\n  roles: [comms]\n", "permissions.roles[0]", 3, "lead, declarer, role:<name> or group:<name>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.yaml, nil, nil)
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Fatalf("want 1 problem, got %d:\n%v", len(ps), err)
			}
			if p := ps[0]; p.Key != tc.key || p.Line != tc.line || !strings.Contains(p.Msg, tc.msg) {
				t.Errorf("got %+v\nwant key %q line %d msg containing %q", p, tc.key, tc.line, tc.msg)
			}
		})
	}
}
