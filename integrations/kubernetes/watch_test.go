package kubernetes_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/integrations/kubernetes"
)

// watchAPI speaks the API server's list and watch of Deployments: the
// list gives resourceVersion 100; a watch from 100 streams, chunk by
// chunk, a rollout of v43, a bookmark, a rollout of v44, then a 410 Gone
// ERROR event (the history was compacted), as the API server does.
type watchAPI struct {
	mu      sync.Mutex
	queries []string
}

func deployment(rv, rev, image string) string {
	return fmt.Sprintf(`{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"shop","resourceVersion":%q,
		"labels":{"app.kubernetes.io/name":"checkout"},"annotations":{"deployment.kubernetes.io/revision":%q}},
		"spec":{"template":{"spec":{"containers":[{"name":"web","image":%q}]}}}}`, rv, rev, image)
}

func (f *watchAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.queries = append(f.queries, r.URL.RawQuery)
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+token {
		status(w, 401, "Unauthorized", "Unauthorized")
		return
	}
	if r.URL.Path != "/apis/apps/v1/namespaces/shop/deployments" {
		status(w, 404, "NotFound", "not found")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Query().Get("watch") != "1" {
		fmt.Fprintf(w, `{"kind":"DeploymentList","metadata":{"resourceVersion":"100"},"items":[%s]}`, deployment("90", "5", "ghcr.io/acme/web:v42"))
		return
	}
	if r.URL.Query().Get("resourceVersion") != "100" || r.URL.Query().Get("allowWatchBookmarks") != "true" {
		status(w, 400, "BadRequest", "unexpected watch query "+r.URL.RawQuery)
		return
	}
	fl := w.(http.Flusher)
	for _, line := range []string{
		`{"type":"MODIFIED","object":` + deployment("101", "6", "ghcr.io/acme/web:v43") + `}`,
		`{"type":"BOOKMARK","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"resourceVersion":"150"}}}`,
		`{"type":"MODIFIED","object":` + deployment("160", "7", "ghcr.io/acme/web@sha256:0123") + `}`,
		`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 100 (150)","reason":"Expired","code":410}}`,
	} {
		fmt.Fprintln(w, line)
		fl.Flush()
	}
}

func TestWatchDeploymentsSpeaksTheWatchProtocol(t *testing.T) {
	f := &watchAPI{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var got []string
	err := client(t, srv, nil).WatchDeployments(context.Background(), "shop", func(d kubernetes.DeploymentState, listed bool) {
		got = append(got, fmt.Sprint(listed, " ", d.Namespace, "/", d.Name, " rev ", d.Revision, " ", strings.Join(d.Images, ","), " ", d.Labels["app.kubernetes.io/name"]))
	})
	if !errors.Is(err, kubernetes.ErrWatchExpired) {
		t.Errorf("WatchDeployments = %v, want ErrWatchExpired at the 410", err)
	}
	want := []string{
		"true shop/web rev 5 ghcr.io/acme/web:v42 checkout",
		"false shop/web rev 6 ghcr.io/acme/web:v43 checkout",
		"false shop/web rev 7 ghcr.io/acme/web@sha256:0123 checkout",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
