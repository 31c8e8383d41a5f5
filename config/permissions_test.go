package config

import (
	"reflect"
	"testing"
)

func TestLeadAndRenamePermissionsLoad(t *testing.T) {
	c := mustLoad(t, "groups:\n  sre: ['slack:U1']\npermissions:\n  lead: [lead, 'group:sre']\n  rename: ['slack:U2']\n", nil, nil)
	if !reflect.DeepEqual(c.Permissions.Lead, []string{"lead", "group:sre"}) || !reflect.DeepEqual(c.Permissions.Rename, []string{"slack:U2"}) {
		t.Fatalf("permissions %+v", c.Permissions)
	}
	// Unset keys keep their defaults beside the ones that are set.
	if !reflect.DeepEqual(c.Permissions.Resolve, []string{"lead", "declarer"}) {
		t.Fatalf("resolve %v", c.Permissions.Resolve)
	}
}
