package config

import (
	"strings"
	"testing"
	"time"
)

func TestUndoForLoads(t *testing.T) {
	c := mustLoad(t, `
changes: {retention: 48h, window: 90m}
actions:
  - id: rollback-checkout
    title: Roll back checkout
    kind: rollback
    services: [checkout]
    allowed: [lead]
    undo_for: {kind: deploy, params: {revision: "{{ .Change.PreviousVersion }}"}}
`, nil, nil)
	u := c.Actions[0].UndoFor
	if u == nil || u.Kind != "deploy" || u.Params["revision"] != "{{ .Change.PreviousVersion }}" {
		t.Fatalf("undo_for = %+v", u)
	}
	if c.Changes.Retention != 48*time.Hour || c.Changes.Window != 90*time.Minute || c.Changes.VerifyTimeout != DefaultVerifyTimeout {
		t.Errorf("changes = %+v", c.Changes)
	}
}

func TestUndoForProblems(t *testing.T) {
	_, err := load(t, `
changes: {window: 0s, kubernetes: {integration: nope}}
actions:
  - id: a
    title: A
    kind: rollback
    allowed: [lead]
    undo_for: {kind: deploy}
  - id: b
    title: B
    kind: rollback
    allowed: [lead]
    undo_for: {kind: release, service: Checkout, params: {revision: "{{ .Change.Nope }}", x: "{{ .Change"}}
`, nil, nil)
	got := map[string]string{}
	for _, p := range problems(t, err) {
		got[p.Key] = p.Msg
	}
	for key, want := range map[string]string{
		"changes.window":                      "must be positive",
		"actions[0].undo_for.service":         "required when the action names no services",
		"actions[1].undo_for.kind":            `"release": want one of deploy, flag, config, infra`,
		"actions[1].undo_for.service":         "write service names in lower case",
		"actions[1].undo_for.params.revision": "Nope",
		"actions[1].undo_for.params.x":        "",
	} {
		msg, ok := got[key]
		if !ok || !strings.Contains(msg, want) {
			t.Errorf("%s: got %q (reported: %v), want it to say %q", key, msg, ok, want)
		}
	}
}
