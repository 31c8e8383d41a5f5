package flagsmith_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/flagsmith"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

const (
	token = "4f9b2c7e1a3d5f7b9c0e2a4c6e8f0b1d3a5c7e9f"
	env   = "Zx8Dk3pQWrT5vLmN2sJ4"
)

type state struct {
	id, feature int64
	name        string
	enabled     bool
}

// fakeFlagsmith speaks the part of Flagsmith's Admin API the client uses
// (Django REST Framework: trailing slashes, {"detail": …} errors).
type fakeFlagsmith struct {
	t *testing.T

	mu      sync.Mutex
	states  []*state
	calls   []string
	patches []string
	fail    *httpxtest.Case
	failOn  string // "GET" or "PATCH"
	hang    bool
	scheme  string
}

func newFake(t *testing.T) (*fakeFlagsmith, *httptest.Server) {
	f := &fakeFlagsmith{t: t, scheme: "Token", states: []*state{
		{id: 901, feature: 55, name: "new_checkout", enabled: true},
		{id: 902, feature: 56, name: "dark_mode", enabled: true},
	}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func detail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"detail":%q}`, msg)
}

func (s *state) json() string {
	return fmt.Sprintf(`{"id":%d,"feature_state_value":null,"multivariate_feature_state_values":[],"identity":null,"uuid":"a1b2","enabled":%v,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","live_from":"2026-01-01T00:00:00Z","version":1,"feature":%d,"environment":7,"feature_segment":null,"change_request":null}`,
		s.id, s.enabled, s.feature)
}

func (f *fakeFlagsmith) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.hang {
		httpxtest.Hang(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := r.Header.Get("Authorization"); got != f.scheme+" "+token {
		f.t.Errorf("Authorization = %q", got)
		detail(w, 401, "Invalid token.")
		return
	}
	f.calls = append(f.calls, r.Method+" "+r.URL.RequestURI())
	if f.fail != nil && f.failOn == r.Method {
		f.fail.WriteHeaders(w)
		switch f.fail.Status {
		case 500:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			io.WriteString(w, "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body><h1>Server Error (500)</h1></body></html>")
		default:
			detail(w, f.fail.Status, map[int]string{
				401: "Invalid token " + token + ".", 403: "You do not have permission to perform this action.",
				404: "Not found.", 409: "A change request is pending for this feature.", 422: "Unprocessable.",
				429: "Request was throttled. Expected available in 30 seconds.", 503: "Service unavailable.",
			}[f.fail.Status])
		}
		return
	}
	base := "/api/v1/environments/" + env + "/featurestates/"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == base:
		name := r.URL.Query().Get("feature_name")
		var items []string
		for _, s := range f.states {
			if s.name == name {
				items = append(items, s.json())
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"count":%d,"next":null,"previous":null,"results":[%s]}`, len(items), strings.Join(items, ","))
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, base) && strings.HasSuffix(r.URL.Path, "/"):
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			f.t.Errorf("Content-Type = %q", ct)
		}
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, base), "/"), 10, 64)
		body, _ := io.ReadAll(r.Body)
		f.patches = append(f.patches, string(body))
		var p struct{ Enabled *bool }
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil || p.Enabled == nil {
			detail(w, 400, "enabled: This field is required.")
			return
		}
		for _, s := range f.states {
			if s.id == id {
				s.enabled = *p.Enabled
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, s.json())
				return
			}
		}
		detail(w, 404, "Not found.")
	default:
		f.t.Errorf("unexpected %s %s", r.Method, r.URL.RequestURI())
		detail(w, 404, "Not found.")
	}
}

func client(t *testing.T, srv *httptest.Server, settings map[string]any, opts ...httpx.Option) *flagsmith.Client {
	t.Helper()
	if settings == nil {
		settings = map[string]any{"environment": env, "project_id": "12", "app_url": "https://app.example.com"}
	}
	in := httpxtest.Integration(flagsmith.Type, settings, map[string]string{"token": token})
	c, err := flagsmith.New("flagsmith", in, append([]httpx.Option{httpx.WithBaseURL(srv.URL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func request(undo bool) actiontype.Request {
	return actiontype.Request{RunID: "run-1", IncidentKey: "INC-7", ActionID: "kill", Undo: undo,
		Actor: incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, Params: map[string]string{"feature": "new_checkout"}}
}

func TestKillSwitchDisablesTheEnvironmentDefault(t *testing.T) {
	f, srv := newFake(t)
	res, err := client(t, srv, nil).Run(context.Background(), request(false))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /api/v1/environments/" + env + "/featurestates/?feature_name=new_checkout",
		"PATCH /api/v1/environments/" + env + "/featurestates/901/",
	}
	if strings.Join(f.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(f.calls, "\n"), strings.Join(want, "\n"))
	}
	if f.patches[0] != `{"enabled":false}` || f.states[0].enabled || !f.states[1].enabled {
		t.Errorf("patch %s, states %+v %+v", f.patches[0], *f.states[0], *f.states[1])
	}
	if res.Summary != "Flagsmith feature new_checkout disabled in environment "+env ||
		res.URL != "https://app.example.com/project/12/environment/"+env+"/features?feature=55" {
		t.Errorf("result = %+v", res)
	}
}

func TestUndoEnables(t *testing.T) {
	f, srv := newFake(t)
	f.states[0].enabled = false
	res, err := client(t, srv, map[string]any{"environment": env}).Run(context.Background(), request(true))
	if err != nil {
		t.Fatal(err)
	}
	if f.patches[0] != `{"enabled":true}` || !f.states[0].enabled || res.URL != "" {
		t.Errorf("patch %s, enabled %v, url %q", f.patches[0], f.states[0].enabled, res.URL)
	}
}

func TestApiKeySchemeAndEnvironmentParam(t *testing.T) {
	f, srv := newFake(t)
	f.scheme = "Api-Key"
	req := request(false)
	req.Params["environment"] = env
	if _, err := client(t, srv, map[string]any{"auth_scheme": "Api-Key"}).Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if f.states[0].enabled {
		t.Error("still enabled")
	}
}

func TestUnknownFeatureMakesNoChange(t *testing.T) {
	f, srv := newFake(t)
	req := request(false)
	req.Params["feature"] = "nope"
	_, err := client(t, srv, nil).Run(context.Background(), req)
	httpxtest.AssertFailure(t, err, "Flagsmith", 0, false, []string{token}, "feature nope not found in environment")
	if len(f.patches) != 0 {
		t.Error("patched")
	}
}

func TestFailuresAreClassifiedAndNameNoSecret(t *testing.T) {
	httpxtest.Failures{
		System:  "Flagsmith",
		Secrets: []string{token},
		Steps:   []string{"GET", "PATCH"},
		WantByStatus: map[int][]string{
			409: {"A change request is pending"},
			500: {"Server Error (500)"},
		},
		HungMayHaveRun: false, // the lookup timed out: nothing was changed
		Try: func(t *testing.T, x httpxtest.Fault) error {
			f, srv := newFake(t)
			f.fail, f.failOn, f.hang = x.Answer, x.Step, x.Hang
			_, err := client(t, srv, nil, x.Options...).Run(context.Background(), request(false))
			if x.Step == "GET" && len(f.patches) != 0 {
				t.Error("patched after a failed lookup")
			}
			return err
		},
	}.Run(t)
}

func TestValidate(t *testing.T) {
	v := httpxtest.Validator(flagsmith.Type, flagsmith.Validate)
	_, err := httpxtest.Load(t, `
integrations:
  fs: {type: flagsmith, token: "`+token+`", auth_scheme: Bearer, project_id: shop}
`, v)
	if err == nil {
		t.Fatal("want problems")
	}
	for _, want := range []string{"integrations.fs.auth_scheme: must be one of Token, Api-Key", "integrations.fs.project_id: must be the project's numeric ID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	httpxtest.AssertNoSecret(t, []string{token}, err.Error())
	if p := flagsmith.Params(httpxtest.Integration(flagsmith.Type, nil, nil)).Check(map[string]string{"feature": "x"}); len(p) != 1 || p[0].Param != "environment" {
		t.Errorf("param problems = %v", p)
	}
}
