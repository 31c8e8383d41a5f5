package unleash_test

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
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
	"github.com/tourniquet/tourniquet/integrations/unleash"
)

const token = "user:7f3a9c1e5b2d4f6a8c0e1a3b5d7f9e2c4a6b8d0f1e3a5c7b"

// fakeUnleash speaks the part of Unleash's Admin API the client uses,
// behind a path prefix as hosted instances are.
type fakeUnleash struct {
	t *testing.T

	mu      sync.Mutex
	enabled map[string]bool // "project/feature/env"
	calls   []string
	fail    *httpxtest.Case
	hang    bool
}

const prefix = "/acme"

func newFake(t *testing.T) (*fakeUnleash, *httptest.Server) {
	f := &fakeUnleash{t: t, enabled: map[string]bool{"default/new-checkout/production": true}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func unleashError(w http.ResponseWriter, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"id":"5c2d4e0a-1b3f-4a5c-9d7e-0f1a2b3c4d5e","name":%q,"message":%q}`, name, msg)
}

func (f *fakeUnleash) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.hang {
		httpxtest.Hang(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != token {
		f.t.Errorf("Authorization = %q, want the bare token", r.Header.Get("Authorization"))
		unleashError(w, 401, "AuthenticationRequired", "You must log in to use Unleash.")
		return
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || len(body) != 0 {
		f.t.Errorf("%s with body %q, want a POST without body", r.Method, body)
	}
	var project, feature, env, state string
	n, _ := fmt.Sscanf(strings.NewReplacer("/", " ").Replace(strings.TrimPrefix(r.URL.EscapedPath(), prefix+"/api/admin/projects/")),
		"%s features %s environments %s %s", &project, &feature, &env, &state)
	if n != 4 || !strings.HasPrefix(r.URL.EscapedPath(), prefix+"/api/admin/projects/") || (state != "on" && state != "off") {
		f.t.Errorf("path = %s", r.URL.EscapedPath())
		unleashError(w, 404, "NotFoundError", "Could not find the route")
		return
	}
	f.calls = append(f.calls, r.URL.EscapedPath())
	if c := f.fail; c != nil {
		c.WriteHeaders(w)
		e := map[int][2]string{
			401: {"AuthenticationRequired", "Invalid token " + token},
			403: {"NoAccessError", "You don't have the required permissions (UPDATE_FEATURE_ENVIRONMENT)"},
			404: {"NotFoundError", "Could not find feature flag " + feature},
			409: {"ConflictError", "Change requests are enabled in " + env},
			422: {"BadDataError", "Request validation failed"},
			429: {"RateLimitError", "Too many requests"},
			500: {"UnknownError", "Unexpected error"},
			503: {"UnknownError", "Service unavailable"},
		}[c.Status]
		unleashError(w, c.Status, e[0], e[1])
		return
	}
	f.enabled[project+"/"+feature+"/"+env] = state == "on"
	w.WriteHeader(http.StatusOK)
}

func client(t *testing.T, srv *httptest.Server, settings map[string]any, opts ...httpx.Option) *unleash.Client {
	t.Helper()
	if settings == nil {
		settings = map[string]any{"url": srv.URL + prefix + "/", "environment": "production"}
	}
	in := httpxtest.Integration(unleash.Type, settings, map[string]string{"token": token})
	c, err := unleash.New("unleash", in, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func request(undo bool) actiontype.Request {
	return actiontype.Request{RunID: "run-1", IncidentKey: "INC-7", ActionID: "kill", Undo: undo,
		Actor: incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, Params: map[string]string{"feature": "new-checkout"}}
}

func TestKillSwitchTurnsFeatureOff(t *testing.T) {
	f, srv := newFake(t)
	res, err := client(t, srv, nil).Run(context.Background(), request(false))
	if err != nil {
		t.Fatal(err)
	}
	if want := prefix + "/api/admin/projects/default/features/new-checkout/environments/production/off"; len(f.calls) != 1 || f.calls[0] != want {
		t.Errorf("calls = %v, want [%s]", f.calls, want)
	}
	if f.enabled["default/new-checkout/production"] {
		t.Error("still enabled")
	}
	if res.Summary != "Unleash feature new-checkout turned off in production (project default)" ||
		res.URL != srv.URL+prefix+"/projects/default/features/new-checkout" {
		t.Errorf("result = %+v", res)
	}
}

func TestUndoTurnsFeatureOn(t *testing.T) {
	f, srv := newFake(t)
	f.enabled["default/new-checkout/production"] = false
	req := request(true)
	req.Params["project"] = "default"
	if _, err := client(t, srv, nil).Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(f.calls[0], "/environments/production/on") || !f.enabled["default/new-checkout/production"] {
		t.Errorf("calls = %v enabled = %v", f.calls, f.enabled)
	}
}

func TestParamsOverrideDefaults(t *testing.T) {
	f, srv := newFake(t)
	c := client(t, srv, map[string]any{"url": srv.URL + prefix, "project": "shop"})
	req := request(false)
	req.Params["environment"] = "staging"
	if _, err := c.Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if want := prefix + "/api/admin/projects/shop/features/new-checkout/environments/staging/off"; f.calls[0] != want {
		t.Errorf("call = %s, want %s", f.calls[0], want)
	}
	delete(req.Params, "environment")
	_, err := c.Run(context.Background(), req)
	httpxtest.AssertFailure(t, err, "Unleash", 0, false, []string{token}, "environment", "required")
	if len(f.calls) != 1 {
		t.Errorf("a call was made without an environment")
	}
}

func TestFailuresAreClassifiedAndNameNoSecret(t *testing.T) {
	httpxtest.Failures{
		System:  "Unleash",
		Secrets: []string{token},
		WantByStatus: map[int][]string{
			404: {"Could not find feature flag new-checkout"},
			409: {"Change requests are enabled in production"},
		},
		HungMayHaveRun: true, // the one call is the change
		Try: func(t *testing.T, x httpxtest.Fault) error {
			f, srv := newFake(t)
			f.fail, f.hang = x.Answer, x.Hang
			_, err := client(t, srv, nil, x.Options...).Run(context.Background(), request(false))
			return err
		},
	}.Run(t)
}

func TestValidate(t *testing.T) {
	v := httpxtest.Validator(unleash.Type, unleash.Validate)
	_, err := httpxtest.Load(t, `
integrations:
  unleash: {type: unleash, environment: production, api_key: "x"}
`, v)
	if err == nil {
		t.Fatal("want problems")
	}
	for _, want := range []string{"integrations.unleash.url: required", "integrations.unleash.token: required", "integrations.unleash.api_key: unknown key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	cfg, err := httpxtest.Load(t, `
integrations:
  unleash: {type: unleash, url: "https://unleash.example.com", token: "`+token+`"}
`, v)
	if err != nil {
		t.Fatal(err)
	}
	if p := unleash.Params(cfg.Integrations["unleash"]).Check(map[string]string{"feature": "f"}); len(p) != 1 || p[0].Param != "environment" {
		t.Errorf("param problems = %v", p)
	}
}
