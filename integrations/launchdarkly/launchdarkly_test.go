package launchdarkly_test

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
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/integrations/launchdarkly"
)

const token = "api-7c1f0e2a-9b3d-4e5f-8a6b-SECRETTOKEN"

// fakeLD speaks the part of LaunchDarkly's REST API the client uses.
type fakeLD struct {
	t *testing.T

	mu      sync.Mutex
	patches []launchdarkly.Patch
	paths   []string
	on      map[string]bool // "project/flag/env" → on
	fail    *httpxtest.Case
	hang    bool
	stillOn bool
}

func newFake(t *testing.T) (*fakeLD, *httptest.Server) {
	f := &fakeLD{t: t, on: map[string]bool{"default/new-checkout/production": true}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeLD) ldError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"code":%q,"message":%q}`, code, msg)
}

func (f *fakeLD) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hang {
		f.mu.Unlock()
		httpxtest.Hang(w, r)
		f.mu.Lock()
		return
	}
	if r.Method != http.MethodPatch {
		f.t.Errorf("method = %s, want PATCH", r.Method)
		f.ldError(w, 405, "method_not_allowed", "Method not allowed")
		return
	}
	if got := r.Header.Get("Authorization"); got != token {
		f.t.Errorf("Authorization = %q, want the bare token", got)
		f.ldError(w, 401, "unauthorized", "Invalid access token")
		return
	}
	if got := r.Header.Get("Content-Type"); got != "application/json; domain-model=launchdarkly.semanticpatch" {
		f.t.Errorf("Content-Type = %q", got)
		f.ldError(w, 400, "invalid_request", "body is not a JSON patch")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v2/flags/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 2 {
		f.t.Errorf("path = %s", r.URL.EscapedPath())
		f.ldError(w, 404, "not_found", "Unknown resource")
		return
	}
	body, _ := io.ReadAll(r.Body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var p launchdarkly.Patch
	if err := dec.Decode(&p); err != nil || p.EnvironmentKey == "" || len(p.Instructions) != 1 {
		f.t.Errorf("body = %s (%v)", body, err)
		f.ldError(w, 400, "invalid_request", "invalid semantic patch")
		return
	}
	f.patches = append(f.patches, p)
	f.paths = append(f.paths, r.URL.EscapedPath())
	if c := f.fail; c != nil {
		c.WriteHeaders(w)
		msg := map[int]string{401: "Invalid access token " + token, 403: "Access to the requested resource was denied",
			404: "Unknown resource", 409: "Conflict: the flag was updated by someone else", 422: "Unprocessable",
			429: "Rate limit exceeded", 500: "Internal server error", 503: "Service unavailable"}[c.Status]
		f.ldError(w, c.Status, strings.ToLower(strings.ReplaceAll(http.StatusText(c.Status), " ", "_")), msg)
		return
	}
	key := parts[0] + "/" + parts[1] + "/" + p.EnvironmentKey
	switch p.Instructions[0].Kind {
	case "turnFlagOff":
		f.on[key] = f.stillOn
	case "turnFlagOn":
		f.on[key] = true
	default:
		f.ldError(w, 400, "invalid_request", "unknown instruction kind "+p.Instructions[0].Kind)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"key":%q,"name":"New checkout","kind":"boolean","environments":{%q:{"on":%v,"_site":{"href":"/x"}}}}`,
		parts[1], p.EnvironmentKey, f.on[key])
}

func client(t *testing.T, srv *httptest.Server, settings map[string]any, opts ...httpx.Option) *launchdarkly.Client {
	t.Helper()
	if settings == nil {
		settings = map[string]any{"project": "default", "environment": "production"}
	}
	in := httpxtest.Integration(launchdarkly.Type, settings, map[string]string{"api_token": token})
	c, err := launchdarkly.New("flags", in, append([]httpx.Option{httpx.WithBaseURL(srv.URL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}

func request(undo bool) actiontype.Request {
	return actiontype.Request{
		RunID: "run-42", IncidentKey: "INC-7", ActionID: "kill-new-checkout", ActionTitle: "Kill switch: new checkout",
		Actor: alice, Params: map[string]string{"flag": "new-checkout"}, Undo: undo,
	}
}

func TestKillSwitchTurnsFlagOffWithSemanticPatch(t *testing.T) {
	f, srv := newFake(t)
	res, err := client(t, srv, nil).Run(context.Background(), request(false))
	if err != nil {
		t.Fatal(err)
	}
	if f.on["default/new-checkout/production"] {
		t.Error("flag still on")
	}
	if len(f.patches) != 1 || f.paths[0] != "/api/v2/flags/default/new-checkout" {
		t.Fatalf("calls = %v %+v", f.paths, f.patches)
	}
	p := f.patches[0]
	if p.EnvironmentKey != "production" || p.Instructions[0].Kind != "turnFlagOff" {
		t.Errorf("patch = %+v", p)
	}
	for _, want := range []string{"INC-7", "Kill switch: new checkout", "alice", "run-42"} {
		if !strings.Contains(p.Comment, want) {
			t.Errorf("comment %q lacks %q", p.Comment, want)
		}
	}
	if res.Summary != "LaunchDarkly flag new-checkout turned off in production (project default)" {
		t.Errorf("summary = %q", res.Summary)
	}
	if want := srv.URL + "/projects/default/flags/new-checkout/targeting?env=production&selected-env=production"; res.URL != want {
		t.Errorf("url = %q, want %q", res.URL, want)
	}
}

func TestUndoTurnsFlagOn(t *testing.T) {
	f, srv := newFake(t)
	f.on["default/new-checkout/production"] = false
	res, err := client(t, srv, nil).Run(context.Background(), request(true))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.patches[0].Instructions[0].Kind; got != "turnFlagOn" {
		t.Errorf("instruction = %s", got)
	}
	if !f.on["default/new-checkout/production"] || !strings.Contains(res.Summary, "turned on") ||
		!strings.Contains(f.patches[0].Comment, "undo of") {
		t.Errorf("on=%v summary=%q comment=%q", f.on, res.Summary, f.patches[0].Comment)
	}
}

func TestParamsOverrideDefaultsAndAreEscaped(t *testing.T) {
	f, srv := newFake(t)
	c := client(t, srv, map[string]any{})
	req := request(false)
	req.Params = map[string]string{"flag": "a/b?c", "project": "shop", "environment": "staging"}
	if _, err := c.Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if f.paths[0] != "/api/v2/flags/shop/a%2Fb%3Fc" || f.patches[0].EnvironmentKey != "staging" {
		t.Errorf("path = %s env = %s", f.paths[0], f.patches[0].EnvironmentKey)
	}
}

func TestMissingParamsMakeNoCall(t *testing.T) {
	f, srv := newFake(t)
	c := client(t, srv, map[string]any{"project": "default"})
	req := request(false)
	_, err := c.Run(context.Background(), req)
	httpxtest.AssertFailure(t, err, "LaunchDarkly", 0, false, []string{token}, "environment", "required")
	req.Params = map[string]string{"environment": "production"}
	_, err = c.Run(context.Background(), req)
	httpxtest.AssertFailure(t, err, "LaunchDarkly", 0, false, []string{token}, "flag")
	if len(f.patches) != 0 {
		t.Errorf("%d calls made", len(f.patches))
	}
}

func TestFailuresAreClassifiedAndNameNoSecret(t *testing.T) {
	httpxtest.Failures{
		System:  "LaunchDarkly",
		Secrets: []string{token},
		WantByStatus: map[int][]string{
			401: {"Invalid access token", "api_token"},
			409: {"updated by someone else"},
		},
		HungMayHaveRun: true, // the one call is the change
		Try: func(t *testing.T, x httpxtest.Fault) error {
			f, srv := newFake(t)
			f.fail, f.hang = x.Answer, x.Hang
			_, err := client(t, srv, nil, x.Options...).Run(context.Background(), request(false))
			return err
		},
	}.Run(t)
	t.Run("connection refused", func(t *testing.T) {
		_, srv := newFake(t)
		c := client(t, srv, nil)
		srv.Close()
		_, err := c.Run(context.Background(), request(false))
		httpxtest.AssertFailure(t, err, "LaunchDarkly", 0, true, []string{token}, "could not connect")
		httpxtest.AssertMayHaveRun(t, err, false)
	})
}

func TestAcceptedButStillOnIsAFailure(t *testing.T) {
	f, srv := newFake(t)
	f.stillOn = true
	_, err := client(t, srv, nil).Run(context.Background(), request(false))
	httpxtest.AssertFailure(t, err, "LaunchDarkly", 0, false, []string{token}, "still not off")
}

func TestValidate(t *testing.T) {
	v := httpxtest.Validator(launchdarkly.Type, launchdarkly.Validate)
	_, err := httpxtest.Load(t, `
integrations:
  flags:
    type: launchdarkly
    project: default
    enviroment: production
    url: "ftp://example.com"
    timeout: soon
`, v)
	if err == nil {
		t.Fatal("want problems")
	}
	text := err.Error()
	for _, want := range []string{
		"integrations.flags.enviroment: unknown key for type launchdarkly",
		"integrations.flags.url: must be an http:// or https:// URL",
		"integrations.flags.timeout: must be a positive duration",
		"api_token: required",
		"tourniquet.yaml:6: integrations.flags.enviroment",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}

	cfg, err := httpxtest.Load(t, `
integrations:
  flags: {type: launchdarkly, api_token: "`+token+`", project: default, environment: production, timeout: 5s}
`, v)
	if err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	c, err := launchdarkly.New("flags", cfg.Integrations["flags"])
	if err != nil || c.Name() != "flags" {
		t.Fatalf("New = %v, %v", c, err)
	}
}

func TestParamsSpec(t *testing.T) {
	in := httpxtest.Integration(launchdarkly.Type, map[string]any{"project": "default"}, nil)
	got := launchdarkly.Params(in).Check(map[string]string{"flag": "x", "flagg": "y"})
	if len(got) != 2 || got[0].Param != "flagg" || got[1].Param != "environment" {
		t.Errorf("problems = %v", got)
	}
	in.Settings["environment"] = "production"
	if got := launchdarkly.Params(in).Check(map[string]string{"flag": "x"}); len(got) != 0 {
		t.Errorf("problems = %v", got)
	}
}

func TestNewRefusesBadBaseURL(t *testing.T) {
	in := httpxtest.Integration(launchdarkly.Type, nil, map[string]string{"api_token": token})
	if _, err := launchdarkly.New("flags", in, httpx.WithBaseURL("not a url")); err == nil {
		t.Error("want an error")
	}
}
