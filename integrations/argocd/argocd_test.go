package argocd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/argocd"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0b3VybmlxdWV0In0.c2VjcmV0LXNpZ25hdHVyZQ"

const (
	rev40 = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	rev41 = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	rev42 = "3333333ccccccccccccccccccccccccccccccccc"
)

// fakeArgo speaks the part of Argo CD's REST API (grpc-gateway) the client
// uses: JSON errors {"error","code","message"} with gRPC codes.
type fakeArgo struct {
	t *testing.T

	mu        sync.Mutex
	autoSync  bool
	history   string
	calls     []string
	bodies    []string
	fail      *httpxtest.Case
	failOn    string
	hang      bool
	namespace string
}

func newFake(t *testing.T) (*fakeArgo, *httptest.Server) {
	f := &fakeArgo{t: t, namespace: "argocd", history: fmt.Sprintf(`[
		{"id":40,"revision":%q,"deployedAt":"2026-02-27T10:00:00Z","source":{"repoURL":"https://git.example.com/shop.git","path":"deploy","targetRevision":"main"},"deployStartedAt":"2026-02-27T09:59:00Z"},
		{"id":41,"revision":%q,"deployedAt":"2026-02-28T10:00:00Z","source":{"repoURL":"https://git.example.com/shop.git","path":"deploy","targetRevision":"main"}},
		{"id":42,"revision":%q,"deployedAt":"2026-03-01T13:50:00Z","source":{"repoURL":"https://git.example.com/shop.git","path":"deploy","targetRevision":"main"}}]`, rev40, rev41, rev42)}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func grpcError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":%q,"code":%d,"message":%q}`, msg, code, msg)
}

func (f *fakeArgo) app() string {
	policy := `{}`
	if f.autoSync {
		policy = `{"automated":{"prune":true,"selfHeal":true}}`
	}
	return fmt.Sprintf(`{"metadata":{"name":"shop","namespace":%q,"uid":"u1","resourceVersion":"123"},
		"spec":{"source":{"repoURL":"https://git.example.com/shop.git","path":"deploy","targetRevision":"main"},"destination":{"server":"https://kubernetes.default.svc","namespace":"shop"},"project":"default","syncPolicy":%s},
		"status":{"sync":{"status":"Synced","revision":%q},"health":{"status":"Healthy"},"history":%s}}`, f.namespace, policy, rev42, f.history)
}

func (f *fakeArgo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.hang {
		httpxtest.Hang(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		f.t.Errorf("Authorization = %q", got)
		grpcError(w, 401, 16, "no session information")
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.calls = append(f.calls, r.Method+" "+r.URL.RequestURI())
	f.bodies = append(f.bodies, string(body))
	if f.fail != nil && f.failOn == r.Method {
		f.fail.WriteHeaders(w)
		code, msg := map[int]int{401: 16, 403: 7, 404: 5, 409: 10, 422: 3, 429: 8, 500: 13, 503: 14}[f.fail.Status], map[int]string{
			401: "invalid session: token signature is invalid: " + token,
			403: "permission denied: applications, rollback, default/shop, sub: tourniquet",
			404: `applications.argoproj.io "shop" not found`,
			409: "another operation is already in progress",
			422: "invalid request",
			429: "too many requests",
			500: "internal error",
			503: "unavailable",
		}[f.fail.Status]
		grpcError(w, f.fail.Status, code, msg)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/applications/shop":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, f.app())
	case r.Method == http.MethodPost && (r.URL.Path == "/api/v1/applications/shop/rollback" || r.URL.Path == "/api/v1/applications/shop/sync"):
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			f.t.Errorf("Content-Type = %q", ct)
		}
		if strings.HasSuffix(r.URL.Path, "/sync") {
			var req argocd.SyncRequest
			strict(f.t, body, &req)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, f.app())
			return
		}
		var req argocd.RollbackRequest
		strict(f.t, body, &req)
		if f.autoSync {
			grpcError(w, 400, 9, "rollback cannot be initiated when auto-sync is enabled")
			return
		}
		if !strings.Contains(f.history, fmt.Sprintf(`"id":%d,`, req.ID)) {
			grpcError(w, 400, 3, fmt.Sprintf("application shop does not have deployment with id %d", req.ID))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, f.app())
	default:
		f.t.Errorf("unexpected %s %s", r.Method, r.URL.RequestURI())
		grpcError(w, 404, 5, "Not Found")
	}
}

func strict(t *testing.T, body []byte, v any) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Errorf("body %s: %v", body, err)
	}
}

func client(t *testing.T, srv *httptest.Server, settings map[string]any, opts ...httpx.Option) *argocd.Client {
	t.Helper()
	if settings == nil {
		settings = map[string]any{"url": srv.URL}
	}
	in := httpxtest.Integration(argocd.Type, settings, map[string]string{"token": token})
	c, err := argocd.New("argocd", in, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func request(undo bool) actiontype.Request {
	return actiontype.Request{RunID: "run-1", IncidentKey: "INC-7", ActionID: "rollback-shop", Undo: undo,
		Actor: incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, Params: map[string]string{"application": "shop"}}
}

func TestRollbackToPreviousHistoryEntry(t *testing.T) {
	f, srv := newFake(t)
	res, err := client(t, srv, nil).Run(context.Background(), request(false))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /api/v1/applications/shop", "POST /api/v1/applications/shop/rollback"}
	if strings.Join(f.calls, ",") != strings.Join(want, ",") {
		t.Errorf("calls = %v", f.calls)
	}
	if f.bodies[1] != `{"name":"shop","id":41,"prune":false,"dryRun":false}` {
		t.Errorf("rollback body = %s", f.bodies[1])
	}
	if res.Summary != "Argo CD application shop rolled back from history 42 (revision 3333333) to history 41 (revision 2222222)" {
		t.Errorf("summary = %q", res.Summary)
	}
	if res.URL != srv.URL+"/applications/argocd/shop" {
		t.Errorf("url = %q", res.URL)
	}
}

func TestAutoSyncRefusalIsShownAsArgoSaysIt(t *testing.T) {
	f, srv := newFake(t)
	f.autoSync = true
	_, err := client(t, srv, nil).Run(context.Background(), request(false))
	e := httpxtest.AssertFailure(t, err, "Argo CD", 400, false, []string{token})
	if e.Msg != "rollback cannot be initiated when auto-sync is enabled" {
		t.Errorf("Msg = %q", e.Msg)
	}
}

func TestUndoSyncsToTargetRevision(t *testing.T) {
	f, srv := newFake(t)
	res, err := client(t, srv, map[string]any{"url": srv.URL, "prune": true, "app_namespace": "team-a"}).Run(context.Background(), request(true))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /api/v1/applications/shop?appNamespace=team-a", "POST /api/v1/applications/shop/sync"}
	if strings.Join(f.calls, ",") != strings.Join(want, ",") || f.bodies[1] != `{"name":"shop","prune":true,"appNamespace":"team-a"}` {
		t.Errorf("calls = %v bodies = %v", f.calls, f.bodies)
	}
	if res.Summary != "Argo CD application shop synced to its target revision main" {
		t.Errorf("summary = %q", res.Summary)
	}
}

func TestTooShortHistoryIsRefusedWithoutARollback(t *testing.T) {
	f, srv := newFake(t)
	f.history = fmt.Sprintf(`[{"id":"7","revision":%q}]`, rev42)
	_, err := client(t, srv, nil).Run(context.Background(), request(false))
	httpxtest.AssertFailure(t, err, "Argo CD", 0, false, []string{token}, "1 deployment(s)", "at least two")
	if len(f.calls) != 1 {
		t.Errorf("calls = %v", f.calls)
	}
}

func TestServedUnderAPathPrefix(t *testing.T) {
	f, srv := newFake(t)
	mux := http.NewServeMux()
	mux.Handle("/argocd/", http.StripPrefix("/argocd", f))
	prefixed := httptest.NewServer(mux)
	defer prefixed.Close()
	res, err := client(t, srv, map[string]any{"url": prefixed.URL + "/argocd"}).Run(context.Background(), request(false))
	if err != nil {
		t.Fatal(err)
	}
	if res.URL != prefixed.URL+"/argocd/applications/argocd/shop" {
		t.Errorf("url = %q", res.URL)
	}
}

func TestFailuresAreClassifiedAndNameNoSecret(t *testing.T) {
	httpxtest.Failures{
		System:  "Argo CD",
		Secrets: []string{token},
		Steps:   []string{"GET", "POST"},
		WantByStatus: map[int][]string{
			404: {`applications.argoproj.io "shop" not found`},
			409: {"another operation is already in progress"},
		},
		HungMayHaveRun: false, // the lookup timed out: nothing was changed
		Try: func(t *testing.T, x httpxtest.Fault) error {
			f, srv := newFake(t)
			f.fail, f.failOn, f.hang = x.Answer, x.Step, x.Hang
			_, err := client(t, srv, nil, x.Options...).Run(context.Background(), request(false))
			if x.Step == "GET" && len(f.calls) != 1 {
				t.Errorf("calls after a failed GET: %v", f.calls)
			}
			return err
		},
	}.Run(t)
}

func TestValidate(t *testing.T) {
	v := httpxtest.Validator(argocd.Type, argocd.Validate)
	_, err := httpxtest.Load(t, `
integrations:
  argocd: {type: argocd, url: "https://argocd.example.com", prune: maybe}
`, v)
	if err == nil {
		t.Fatal("want problems")
	}
	for _, want := range []string{"integrations.argocd.prune: must be true or false", "integrations.argocd.token: required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	if p := argocd.Params(httpxtest.Integration(argocd.Type, nil, nil)).Check(map[string]string{"app": "shop"}); len(p) != 2 {
		t.Errorf("param problems = %v", p)
	}
}
