package kubernetes_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

// rollingAPI serves GET deployment as the API server does while a
// rollout goes on: each read, one more of the three replicas is updated
// and ready, the old ones going away.
type rollingAPI struct {
	mu       sync.Mutex
	reads    int
	runID    string
	deadline bool
}

func (f *rollingAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+token {
		status(w, 401, "Unauthorized", "Unauthorized")
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/apis/apps/v1/namespaces/shop/deployments/web" {
		status(w, 404, "NotFound", `deployments.apps "x" not found`)
		return
	}
	f.reads++
	updated := min(f.reads, 3)
	total := 3 + (3 - updated) // old pods until replaced
	cond := `{"type":"Progressing","status":"True","reason":"ReplicaSetUpdated"}`
	if f.deadline {
		cond = `{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}`
	}
	fmt.Fprintf(w, `{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"shop","generation":8,
		"annotations":{"tourniquet.dev/run-id":%q,"deployment.kubernetes.io/revision":"6"}},
		"spec":{"replicas":3},
		"status":{"observedGeneration":8,"replicas":%d,"updatedReplicas":%d,"readyReplicas":%d,"availableReplicas":%d,"conditions":[%s]}}`,
		f.runID, total, updated, updated, updated, cond)
}

func TestVerifyWaitsForTheRolloutToComplete(t *testing.T) {
	srv := httptest.NewServer(&rollingAPI{runID: "run-1"})
	defer srv.Close()
	looks := httpxtest.Looks(t, client(t, srv, nil), request("run-1"), noResult, 3)
	httpxtest.AssertLooksSay(t, looks, 1,
		"false deployment shop/web: 1 of 3 replicas updated, 1 ready, 1 available, 5 in total",
		"true deployment shop/web rolled out: 3 of 3 replicas updated, ready and available")
}

func TestVerifyFinalWhenReplacedOrPastDeadline(t *testing.T) {
	srv := httptest.NewServer(&rollingAPI{runID: "someone-else"})
	defer srv.Close()
	e, err := client(t, srv, nil).Verify(context.Background(), request("run-1"), noResult)
	if err != nil || e.Effective || !e.Final || !strings.Contains(e.Seen, "another change replaced it") {
		t.Errorf("replaced = %+v, %v", e, err)
	}
	srv2 := httptest.NewServer(&rollingAPI{runID: "run-1", deadline: true})
	defer srv2.Close()
	e, err = client(t, srv2, nil).Verify(context.Background(), request("run-1"), noResult)
	if err != nil || e.Effective || !e.Final || !strings.Contains(e.Seen, "progress deadline passed") {
		t.Errorf("deadline = %+v, %v", e, err)
	}
}

var noResult = actiontype.Result{}
