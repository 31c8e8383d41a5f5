package httpxtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Route is one answer of a ReadOnly fake: "GET /api/v2/flags/p/f".
type Route struct {
	Status int
	Body   string
}

// ReadOnly is a fake API for preflight tests: it records every request's
// method and path, checks the credential header, answers the routes it is
// given in the API's shape, and the rest with the API's not-found
// envelope. Test it saw only reads with Methods.
type ReadOnly struct {
	// AuthHeader and Auth are the credential every request must carry
	// (Auth "" checks nothing); a wrong one gets 401 and Unauthorized.
	AuthHeader, Auth string
	Unauthorized     string
	// NotFound is the body of a 404.
	NotFound string
	// Routes answer "METHOD /path" (the escaped path, no query).
	Routes map[string]Route

	mu   sync.Mutex
	seen []string
}

// Serve starts the fake; it stops when the test ends.
func (f *ReadOnly) Serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

// ServeHTTP implements http.Handler.
func (f *ReadOnly) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.EscapedPath()
	f.mu.Lock()
	f.seen = append(f.seen, key)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if f.Auth != "" && r.Header.Get(f.AuthHeader) != f.Auth {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(f.Unauthorized))
		return
	}
	rt, ok := f.Routes[key]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(f.NotFound))
		return
	}
	if rt.Status != 0 {
		w.WriteHeader(rt.Status)
	}
	_, _ = w.Write([]byte(rt.Body))
}

// Requests are the requests seen, as "METHOD /path".
func (f *ReadOnly) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// AssertOnlyReads fails t unless every request seen was a GET, or one of
// allowed ("POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
// and at least one was made.
func (f *ReadOnly) AssertOnlyReads(t *testing.T, allowed ...string) {
	t.Helper()
	seen := f.Requests()
	if len(seen) == 0 {
		t.Error("the preflight made no request")
	}
	for _, s := range seen {
		if strings.HasPrefix(s, "GET ") {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || s == a
		}
		if !ok {
			t.Errorf("the preflight sent %s: a preflight only reads", s)
		}
	}
}
