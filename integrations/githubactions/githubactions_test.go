package githubactions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/githubactions"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/internal/clock"
)

const token = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"

var t0 = time.Date(2026, 3, 1, 14, 32, 0, 0, time.UTC)

// fakeGitHub speaks the workflow dispatch endpoint of GitHub's REST API,
// with its validation of refs and declared inputs.
type fakeGitHub struct {
	t *testing.T

	mu         sync.Mutex
	workflows  map[string][]string // file → declared inputs
	refs       []string
	dispatches []string
	paths      []string
	fail       *httpxtest.Case
	rateLimit  bool
	hang       bool
}

func newFake(t *testing.T) (*fakeGitHub, *httptest.Server) {
	f := &fakeGitHub{t: t, refs: []string{"main", "v41"}, workflows: map[string][]string{
		"rollback.yml":     {"version", "reason", "tourniquet_run_id"},
		"roll-forward.yml": {"version", "reason"},
	}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func ghError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q,"documentation_url":"https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event","status":"%d"}`, msg, status)
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.hang {
		httpxtest.Hang(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for h, want := range map[string]string{
		"Authorization": "Bearer " + token, "Accept": "application/vnd.github+json",
		"X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json",
	} {
		if got := r.Header.Get(h); got != want {
			f.t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		ghError(w, 401, "Bad credentials")
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.paths = append(f.paths, r.Method+" "+r.URL.EscapedPath())
	f.dispatches = append(f.dispatches, string(body))
	if f.rateLimit {
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(t0.Add(90*time.Second).Unix(), 10))
		ghError(w, 403, "API rate limit exceeded for user ID 1.")
		return
	}
	if c := f.fail; c != nil {
		c.WriteHeaders(w)
		ghError(w, c.Status, map[int]string{401: "Bad credentials: " + token, 403: "Resource not accessible by personal access token",
			404: "Not Found", 409: "Conflict", 422: "Workflow does not have 'workflow_dispatch' trigger",
			429: "You have exceeded a secondary rate limit.", 500: "Server Error", 503: "Service Unavailable"}[c.Status])
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/repos/acme/shop/actions/workflows/")
	file, ok2 := strings.CutSuffix(rest, "/dispatches")
	declared, ok3 := f.workflows[file]
	if r.Method != http.MethodPost || !ok || !ok2 || !ok3 {
		ghError(w, 404, "Not Found")
		return
	}
	var d githubactions.Dispatch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		ghError(w, 400, "Problems parsing JSON")
		return
	}
	if !slices.Contains(f.refs, d.Ref) {
		ghError(w, 422, "No ref found for: "+d.Ref)
		return
	}
	var unexpected []string
	for k := range d.Inputs {
		if !slices.Contains(declared, k) {
			unexpected = append(unexpected, strconv.Quote(k))
		}
	}
	if len(unexpected) > 0 {
		slices.Sort(unexpected)
		ghError(w, 422, "Unexpected inputs provided: ["+strings.Join(unexpected, ", ")+"]")
		return
	}
	if d.ReturnRunDetails {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"workflow_run_id":987654321,"run_url":"https://api.github.com/repos/acme/shop/actions/runs/987654321","html_url":"https://github.com/acme/shop/actions/runs/987654321"}`)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func client(t *testing.T, srv *httptest.Server, settings map[string]any, opts ...httpx.Option) *githubactions.Client {
	t.Helper()
	s := map[string]any{"owner": "acme", "repo": "shop", "workflow": "rollback.yml", "ref": "main"}
	for k, v := range settings {
		s[k] = v
	}
	in := httpxtest.Integration(githubactions.Type, s, map[string]string{"token": token})
	c, err := githubactions.New("gh", in, append([]httpx.Option{httpx.WithBaseURL(srv.URL), httpx.WithClock(clock.NewFake(t0))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func request(undo bool, params map[string]string) actiontype.Request {
	return actiontype.Request{RunID: "run-42", IncidentKey: "INC-7", ActionID: "rollback-shop", Undo: undo,
		Actor: incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, Params: params}
}

func TestDispatchWithTemplatedInputsAndRunID(t *testing.T) {
	f, srv := newFake(t)
	c := client(t, srv, map[string]any{
		"inputs":       map[string]any{"reason": "{{.IncidentKey}}: {{.ActionID}} by {{.Actor.Name}} ({{.Actor.Ref}})", "version": "{{.Params.release}}"},
		"run_id_input": "tourniquet_run_id",
		"web_url":      "https://github.example.com/",
	})
	res, err := c.Run(context.Background(), request(false, map[string]string{"release": "v41"}))
	if err != nil {
		t.Fatal(err)
	}
	if f.paths[0] != "POST /repos/acme/shop/actions/workflows/rollback.yml/dispatches" {
		t.Errorf("path = %s", f.paths[0])
	}
	want := `{"ref":"main","inputs":{"reason":"INC-7: rollback-shop by alice (slack:U1)","tourniquet_run_id":"run-42","version":"v41"}}`
	if f.dispatches[0] != want {
		t.Errorf("body = %s\nwant   %s", f.dispatches[0], want)
	}
	if res.Summary != "GitHub Actions workflow rollback.yml dispatched on main in acme/shop" ||
		res.URL != "https://github.example.com/acme/shop/actions/workflows/rollback.yml" {
		t.Errorf("result = %+v", res)
	}
}

func TestParamsAreInputsAndOverrideWorkflowAndRef(t *testing.T) {
	f, srv := newFake(t)
	res, err := client(t, srv, nil).Run(context.Background(), request(false, map[string]string{
		"workflow": "roll-forward.yml", "ref": "v41", "version": "v41", "reason": "{{.IncidentKey}}",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if f.paths[0] != "POST /repos/acme/shop/actions/workflows/roll-forward.yml/dispatches" ||
		f.dispatches[0] != `{"ref":"v41","inputs":{"reason":"INC-7","version":"v41"}}` {
		t.Errorf("call = %s %s", f.paths[0], f.dispatches[0])
	}
	if !strings.HasPrefix(res.URL, srv.URL+"/acme/shop/actions/workflows/roll-forward.yml") {
		t.Errorf("url = %s", res.URL)
	}
}

func TestReturnRunDetailsLinksToTheRun(t *testing.T) {
	f, srv := newFake(t)
	res, err := client(t, srv, map[string]any{"return_run_details": true}).Run(context.Background(), request(false, nil))
	if err != nil {
		t.Fatal(err)
	}
	if f.dispatches[0] != `{"ref":"main","return_run_details":true}` {
		t.Errorf("body = %s", f.dispatches[0])
	}
	if res.URL != "https://github.com/acme/shop/actions/runs/987654321" || !strings.Contains(res.Summary, "run 987654321") {
		t.Errorf("result = %+v", res)
	}
}

func TestUndoDispatchesUndoWorkflowOrRefuses(t *testing.T) {
	f, srv := newFake(t)
	_, err := client(t, srv, nil).Run(context.Background(), request(true, nil))
	httpxtest.AssertFailure(t, err, "GitHub Actions", 0, false, []string{token}, "no undo_workflow")
	if len(f.paths) != 0 {
		t.Fatalf("dispatched: %v", f.paths)
	}
	_, err = client(t, srv, map[string]any{"undo_workflow": "roll-forward.yml"}).Run(context.Background(), request(true, nil))
	if err != nil {
		t.Fatal(err)
	}
	if f.paths[0] != "POST /repos/acme/shop/actions/workflows/roll-forward.yml/dispatches" {
		t.Errorf("path = %s", f.paths[0])
	}
}

func TestGitHubValidationErrorsAreShown(t *testing.T) {
	_, srv := newFake(t)
	_, err := client(t, srv, nil).Run(context.Background(), request(false, map[string]string{"versoin": "v41"}))
	httpxtest.AssertFailure(t, err, "GitHub Actions", 422, false, []string{token}, `Unexpected inputs provided: ["versoin"]`)
	_, err = client(t, srv, nil).Run(context.Background(), request(false, map[string]string{"ref": "nope"}))
	httpxtest.AssertFailure(t, err, "GitHub Actions", 422, false, []string{token}, "No ref found for: nope")
}

func TestMissingTemplateParamMakesNoCall(t *testing.T) {
	f, srv := newFake(t)
	_, err := client(t, srv, map[string]any{"inputs": map[string]any{"version": "{{.Params.release}}"}}).Run(context.Background(), request(false, nil))
	httpxtest.AssertFailure(t, err, "GitHub Actions", 0, false, []string{token}, "inputs.version", "release")
	if len(f.paths) != 0 {
		t.Error("dispatched")
	}
}

func TestFailuresAreClassifiedAndNameNoSecret(t *testing.T) {
	httpxtest.Failures{
		System:         "GitHub Actions",
		Secrets:        []string{token},
		WantByStatus:   map[int][]string{404: {"repository acme/shop or workflow rollback.yml not found"}},
		HungMayHaveRun: true, // the one call is the dispatch
		Try: func(t *testing.T, x httpxtest.Fault) error {
			f, srv := newFake(t)
			f.fail, f.hang = x.Answer, x.Hang
			_, err := client(t, srv, nil, x.Options...).Run(context.Background(), request(false, nil))
			return err
		},
	}.Run(t)
	t.Run("403 rate limit", func(t *testing.T) {
		f, srv := newFake(t)
		f.rateLimit = true
		_, err := client(t, srv, nil).Run(context.Background(), request(false, nil))
		httpxtest.AssertFailure(t, err, "GitHub Actions", 403, true, []string{token}, "API rate limit exceeded", "retry after 1m30s")
	})
}

func TestValidate(t *testing.T) {
	v := httpxtest.Validator(githubactions.Type, githubactions.Validate)
	_, err := httpxtest.Load(t, `
integrations:
  gh:
    type: githubactions
    token: "`+token+`"
    owner: acme
    inputs:
      version: "{{.Params.release"
      reason: "{{.Incident}}"
`, v)
	if err == nil {
		t.Fatal("want problems")
	}
	for _, want := range []string{"integrations.gh.repo: required", "integrations.gh.inputs.version:", "integrations.gh.inputs.reason:", "Incident"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	httpxtest.AssertNoSecret(t, []string{token}, err.Error())
	spec := githubactions.Params(httpxtest.Integration(githubactions.Type, map[string]any{"workflow": "x.yml"}, nil))
	if p := spec.Check(map[string]string{"version": "v1"}); len(p) != 1 || p[0].Param != "ref" {
		t.Errorf("param problems = %v", p)
	}
}

func TestWebURLDerivedForEnterpriseServer(t *testing.T) {
	f := &fakeGitHub{t: t, refs: []string{"main"}, workflows: map[string][]string{"rollback.yml": nil}}
	mux := http.NewServeMux()
	mux.Handle("/api/v3/", http.StripPrefix("/api/v3", f))
	ghe := httptest.NewServer(mux)
	defer ghe.Close()
	in := httpxtest.Integration(githubactions.Type, map[string]any{"owner": "acme", "repo": "shop", "workflow": "rollback.yml", "ref": "main", "url": ghe.URL + "/api/v3"}, map[string]string{"token": token})
	c, err := githubactions.New("gh", in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Run(context.Background(), request(false, nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.URL != ghe.URL+"/acme/shop/actions/workflows/rollback.yml" {
		t.Errorf("url = %s", res.URL)
	}
}
