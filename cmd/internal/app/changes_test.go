package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
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

// The configured watch records a Deployment's rollout through the
// Kubernetes integration (a fake API server speaking the list and watch
// protocol: no kube-apiserver binary is available here).
func TestKubeWatchIsWired(t *testing.T) {
	dep := func(rv, rev, image string) string {
		return fmt.Sprintf(`{"metadata":{"name":"web","namespace":"shop","resourceVersion":%q,"labels":{"app":"checkout"},
			"annotations":{"deployment.kubernetes.io/revision":%q}},"spec":{"template":{"spec":{"containers":[{"image":%q}]}}}}`, rv, rev, image)
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k8s-token-0123456789" || r.URL.Path != "/apis/apps/v1/namespaces/shop/deployments" {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("watch") == "" {
			fmt.Fprintf(w, `{"metadata":{"resourceVersion":"10"},"items":[%s]}`, dep("9", "5", "web:v42"))
			return
		}
		fmt.Fprintf(w, `{"type":"MODIFIED","object":%s}`+"\n", dep("11", "6", "web:v43"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer api.Close()
	cfg, err := loadYAML(t, `
integrations:
  k8s: {type: kubernetes, server: "`+api.URL+`", token: k8s-token-0123456789}
changes:
  kubernetes: {integration: k8s, namespaces: [shop]}
`)
	if err != nil {
		t.Fatal(err)
	}
	store := storagetest.NewSQLite(t)
	f, err := newFeatures(cfg, store, clock.Real{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop, err := StartKubeWatch(context.Background(), cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		cs, _ := store.ListChanges(context.Background(), storage.ChangeFilter{})
		if len(cs) == 1 {
			if c := cs[0]; c.Service != "checkout" || c.Version != "v43" || c.PreviousVersion != "v42" || c.Source != "kubernetes" {
				t.Errorf("recorded %+v", c)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no rollout recorded")
}
