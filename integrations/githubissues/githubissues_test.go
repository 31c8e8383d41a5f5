package githubissues

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

const token = "ghp_followupTokenForTests0123456789"

// fakeGitHub is GitHub's issues API for one repository: it checks the
// headers GitHub requires and answers as GitHub does, 201 with the issue,
// or the failure set for the next call (GitHub's {"message": …} bodies).
type fakeGitHub struct {
	mu     sync.Mutex
	issues []map[string]any
	fail   *httpxtest.Case
	closed map[int]bool
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Header.Get("Authorization") != "Bearer "+token || r.Header.Get("X-GitHub-Api-Version") != APIVersion ||
		r.Header.Get("Accept") != "application/vnd.github+json" {
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`))
		return
	}
	if f.fail != nil {
		f.fail.WriteHeaders(w)
		w.WriteHeader(f.fail.Status)
		_, _ = w.Write([]byte(`{"message":"` + http.StatusText(f.fail.Status) + `"}`))
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/repos/acme/ops/issues":
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in["title"] == "" {
			w.WriteHeader(422)
			_, _ = w.Write([]byte(`{"message":"Validation Failed","errors":[{"resource":"Issue","code":"missing_field","field":"title"}]}`))
			return
		}
		f.issues = append(f.issues, in)
		n := len(f.issues)
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]any{"number": n, "state": "open",
			"html_url": "https://github.com/acme/ops/issues/" + itoa(n), "title": in["title"]})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/repos/acme/ops/issues/"):
		n := strings.TrimPrefix(r.URL.Path, "/repos/acme/ops/issues/")
		state := "open"
		if f.closed[atoi(n)] {
			state = "closed"
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"number": atoi(n), "state": state})
	default:
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"message":"Not Found"}`))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
func atoi(s string) int {
	var n int
	_ = json.Unmarshal([]byte(s), &n)
	return n
}

func newClient(t *testing.T, f *fakeGitHub) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL, Token: config.NewSecret(token), Repo: "acme/ops", Labels: []string{"incident-follow-up"}},
		httpx.WithTimeout(httpxtest.HangTimeout*4))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateAndState(t *testing.T) {
	f := &fakeGitHub{closed: map[int]bool{}}
	c := newClient(t, f)
	ctx := context.Background()
	key, link, err := c.CreateTicket(ctx, "Alert on queue depth", "From INC-7.\nhttps://tq.example.com/incidents/INC-7")
	if err != nil {
		t.Fatal(err)
	}
	if key != "acme/ops#1" || link != "https://github.com/acme/ops/issues/1" {
		t.Errorf("key %q link %q", key, link)
	}
	if got := f.issues[0]; got["title"] != "Alert on queue depth" || !strings.Contains(got["body"].(string), "INC-7") ||
		got["labels"].([]any)[0] != "incident-follow-up" {
		t.Errorf("request body %v", got)
	}
	if done, err := c.TicketDone(ctx, key); err != nil || done {
		t.Errorf("open issue: done %v %v", done, err)
	}
	f.closed[1] = true
	if done, err := c.TicketDone(ctx, key); err != nil || !done {
		t.Errorf("closed issue: done %v %v", done, err)
	}
}

func TestFailures(t *testing.T) {
	for _, tc := range httpxtest.StatusCases() {
		t.Run(tc.Name, func(t *testing.T) {
			f := &fakeGitHub{fail: &tc}
			_, _, err := newClient(t, f).CreateTicket(context.Background(), "x", "y")
			httpxtest.AssertFailure(t, err, System, tc.Status, tc.Retryable, []string{token}, tc.Want...)
		})
	}
}
