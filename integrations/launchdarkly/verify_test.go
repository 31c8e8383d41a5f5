package launchdarkly_test

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

// laggingLD answers GET flag reads the way LaunchDarkly does, and answers
// the state from before the kill switch once (a replica behind).
type laggingLD struct {
	mu    sync.Mutex
	reads int
	stale int
}

func (f *laggingLD) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != token {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"code":"unauthorized","message":"Invalid access token"}`)
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/api/v2/flags/default/new-checkout" || r.URL.Query().Get("env") != "production" {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"code":"not_found","message":"Unknown resource"}`)
		return
	}
	f.reads++
	on := f.reads <= f.stale
	fmt.Fprintf(w, `{"key":"new-checkout","name":"New checkout","kind":"boolean","environments":{"production":{"on":%v,"_site":{"href":"/x"}},"staging":{"on":true}}}`, on)
}

func TestVerifySeesTheFlagOffAfterAStaleAnswer(t *testing.T) {
	f := &laggingLD{stale: 1}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := client(t, srv, nil)
	first, err := c.Verify(context.Background(), request(false), actiontype.Result{})
	if err != nil || first.Effective || first.Seen != "LaunchDarkly flag new-checkout is on in production" {
		t.Fatalf("first look = %+v, %v; want the stale on", first, err)
	}
	second, err := c.Verify(context.Background(), request(false), actiontype.Result{})
	if err != nil || !second.Effective || !strings.Contains(second.Seen, "is off in production") {
		t.Fatalf("second look = %+v, %v; want off", second, err)
	}
	// An undo (turn it back on) is effective when on.
	if e, err := c.Verify(context.Background(), request(true), actiontype.Result{}); err != nil || e.Effective || !strings.Contains(e.Seen, "is off in production") {
		t.Errorf("undo = %+v, %v; want not effective while the flag is off", e, err)
	}
}

func TestVerifyErrorsAreClassified(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		fmt.Fprint(w, `{"code":"not_found","message":"Unknown resource"}`)
	}))
	defer srv.Close()
	_, err := client(t, srv, nil).Verify(context.Background(), request(false), actiontype.Result{})
	if err == nil || actiontype.IsRetryable(err) || strings.Contains(err.Error(), token) {
		t.Errorf("404 = %v; want a permanent error naming no token", err)
	}
}
