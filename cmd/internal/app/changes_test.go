package app

import (
	"strings"
	"testing"
)

// check-config checks undo_for's params against the integration too: a
// param the integration does not take is named with its key.
func TestCheckConfigUndoFor(t *testing.T) {
	_, err := loadYAML(t, `
integrations:
  argocd: {type: argocd, url: "https://argocd.example.com", token: argo-token-0123456789}
actions:
  - id: rollback-checkout
    kind: rollback
    integration: argocd
    params: {application: checkout}
    services: [checkout]
    allowed: [lead]
    undo_for: {kind: deploy, params: {revison: "{{ .Change.PreviousVersion }}"}}
`)
	if err == nil {
		t.Fatal("no problem reported")
	}
	for _, want := range []string{"actions[0].undo_for.params.revison", "unknown"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("check-config does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "argo-token-0123456789") {
		t.Error("a secret in the problems")
	}
	if _, err := loadYAML(t, `
integrations:
  argocd: {type: argocd, url: "https://argocd.example.com", token: argo-token-0123456789}
actions:
  - id: rollback-checkout
    kind: rollback
    integration: argocd
    params: {application: checkout}
    services: [checkout]
    allowed: [lead]
    undo_for: {kind: deploy, params: {revision: "{{ .Change.PreviousVersion }}"}}
`); err != nil {
		t.Errorf("a good undo_for: %v", err)
	}
}
