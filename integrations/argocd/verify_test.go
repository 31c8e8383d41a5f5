package argocd_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/argocd"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

// rollingArgo is an Argo CD whose rollback takes a few looks: after POST
// …/rollback the application reports its operation Running and health
// Progressing for progressing GETs, then Succeeded and Healthy at the
// revision rolled back to (OutOfSync with Git, as Argo CD says after a
// rollback).
type rollingArgo struct {
	mu          sync.Mutex
	progressing int
	target      string // revision of the rollback; "" before it
	looks       int
	degraded    bool
}

func (f *rollingArgo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+token {
		grpcError(w, 401, 16, "no session information")
		return
	}
	history := fmt.Sprintf(`[{"id":40,"revision":%q},{"id":41,"revision":%q},{"id":42,"revision":%q}]`, rev40, rev41, rev42)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/applications/shop/rollback":
		body, _ := io.ReadAll(r.Body)
		var req argocd.RollbackRequest
		strict(&testing.T{}, body, &req)
		f.target = map[int64]string{40: rev40, 41: rev41}[req.ID]
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"metadata":{"name":"shop"}}`)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/applications/shop":
		op, health, at := "", "Healthy", rev42
		if f.target != "" {
			f.looks++
			op, health, at = `"phase":"Running",`, "Progressing", rev42
			if f.looks > f.progressing {
				op, health, at = `"phase":"Succeeded",`, "Healthy", f.target
				if f.degraded {
					health = "Degraded"
				}
			}
			op = fmt.Sprintf(`,"operationState":{%s"operation":{"sync":{"revision":%q}},"syncResult":{"revision":%q}}`, op, f.target, at)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"metadata":{"name":"shop","namespace":"argocd"},"spec":{"source":{"targetRevision":"main"}},
			"status":{"sync":{"status":"OutOfSync","revision":%q},"health":{"status":%q},"history":%s%s}}`, rev42, health, history, op)
	default:
		grpcError(w, 404, 5, "Not Found")
	}
}

func TestVerifyRollbackSeesProgressingThenHealthy(t *testing.T) {
	f := &rollingArgo{progressing: 2}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := client(t, srv, nil)
	req := request(false)
	req.Params["revision"] = rev40[:7] // from the change: v40's short commit ID
	res, err := c.Run(context.Background(), req)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if f.target != rev40 {
		t.Fatalf("rolled back to %q, want the deployment of %s", f.target, rev40)
	}
	looks := httpxtest.Looks(t, c, req, res, 3)
	httpxtest.AssertLooksSay(t, looks, 1,
		"false application shop is Progressing, its last operation Running at revision 3333333",
		"true application shop is Healthy, its last operation Succeeded at revision 1111111 (sync status OutOfSync)")
}

func TestVerifyRollbackDegradedIsNotEffective(t *testing.T) {
	f := &rollingArgo{degraded: true}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := client(t, srv, nil)
	req := request(false)
	res, err := c.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Verify(context.Background(), req, res)
	if err != nil || e.Effective || !strings.Contains(e.Seen, "Degraded") {
		t.Errorf("Verify = %+v, %v; want not effective, saying Degraded", e, err)
	}
}

func TestRollbackToARevisionNotInHistoryIsRefused(t *testing.T) {
	f := &rollingArgo{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	req := request(false)
	req.Params["revision"] = "v99"
	_, err := client(t, srv, nil).Run(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "no earlier deployment of revision v99") || f.target != "" {
		t.Errorf("Run = %v (target %q); want a refusal and no rollback", err, f.target)
	}
}

func TestVerifyFailureIsClassified(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		grpcError(w, 403, 7, "permission denied")
	}))
	defer srv.Close()
	_, err := client(t, srv, nil).Verify(context.Background(), request(false), actiontype.Result{})
	if err == nil || actiontype.IsRetryable(err) {
		t.Errorf("Verify on 403 = %v; want a permanent error", err)
	}
}
