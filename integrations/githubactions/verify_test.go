package githubactions_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
)

// runningGitHub serves GET …/actions/runs/{id} as GitHub does: queued,
// in_progress, then completed with the given conclusion.
type runningGitHub struct {
	mu         sync.Mutex
	reads      int
	conclusion string
}

func (f *runningGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Header.Get("Authorization") != "Bearer "+token {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`)
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/repos/acme/shop/actions/runs/987654321" {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`)
		return
	}
	f.reads++
	status, conclusion := []string{"queued", "in_progress", "completed"}[min(f.reads-1, 2)], "null"
	if status == "completed" {
		conclusion = `"` + f.conclusion + `"`
	}
	fmt.Fprintf(w, `{"id":987654321,"status":%q,"conclusion":%s,"html_url":"https://github.com/acme/shop/actions/runs/987654321"}`, status, conclusion)
}

var dispatched = actiontype.Result{URL: "https://github.com/acme/shop/actions/runs/987654321"}

func TestVerifyWaitsForTheRunToConcludeSuccess(t *testing.T) {
	srv := httptest.NewServer(&runningGitHub{conclusion: "success"})
	defer srv.Close()
	c := client(t, srv, nil)
	var looks []string
	for range 3 {
		e, err := c.Verify(context.Background(), request(false, nil), dispatched)
		if err != nil {
			t.Fatal(err)
		}
		looks = append(looks, fmt.Sprint(e.Effective, e.Final, " ", e.Seen))
	}
	want := "false false workflow run 987654321 is queued|false false workflow run 987654321 is in_progress|true true workflow run 987654321 concluded success"
	if got := strings.Join(looks, "|"); got != want {
		t.Errorf("looks\n %s\nwant\n %s", got, want)
	}
}

func TestVerifyFailureIsFinal(t *testing.T) {
	srv := httptest.NewServer(&runningGitHub{conclusion: "failure", reads: 2})
	defer srv.Close()
	e, err := client(t, srv, nil).Verify(context.Background(), request(false, nil), dispatched)
	if err != nil || e.Effective || !e.Final || !strings.Contains(e.Seen, "concluded failure") {
		t.Errorf("Verify = %+v, %v", e, err)
	}
}

func TestVerifyWithoutRunDetailsCannotCheck(t *testing.T) {
	srv := httptest.NewServer(&runningGitHub{})
	defer srv.Close()
	_, err := client(t, srv, nil).Verify(context.Background(), request(false, nil),
		actiontype.Result{URL: "https://github.com/acme/shop/actions/workflows/rollback.yml"})
	if err == nil || actiontype.IsRetryable(err) || !strings.Contains(err.Error(), "return_run_details") {
		t.Errorf("Verify = %v", err)
	}
}
