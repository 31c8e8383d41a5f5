// Package httpxtest holds what the integration tests share: the standard
// failure cases (401, 404, 409, 429 with Retry-After, 500, timeout), the
// test that runs them all against an integration's own fake ([Failures]),
// and an assertion that a failure is classified right, names the system
// and the status, and contains no secret in any printed form.
//
// It is imported by tests only. It may import actiontype, config, httpx and
// the standard library, nothing else of Tourniquet.
package httpxtest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
)

// Case is one failing answer a fake API gives.
type Case struct {
	Name   string
	Status int
	// Header is added to the answer (Retry-After).
	Header http.Header
	// Retryable is how the failure must be classified.
	Retryable bool
	// Want are substrings the error text must contain (besides the system
	// and the status).
	Want []string
}

// StatusCases are the HTTP failures every integration is tested with. The
// fake writes its own API's error body for each.
func StatusCases() []Case {
	return []Case{
		{Name: "401", Status: 401, Want: []string{"check"}},
		{Name: "403", Status: 403, Want: []string{"permission"}},
		{Name: "404", Status: 404},
		{Name: "409", Status: 409},
		{Name: "422", Status: 422},
		{Name: "429", Status: 429, Header: http.Header{"Retry-After": {"30"}}, Retryable: true, Want: []string{"rate limited", "retry after 30s"}},
		{Name: "500", Status: 500, Retryable: true},
		{Name: "503", Status: 503, Header: http.Header{"Retry-After": {"120"}}, Retryable: true, Want: []string{"retry after 2m0s"}},
	}
}

// HangTimeout is the client timeout timeout tests use with Hang.
const HangTimeout = 150 * time.Millisecond

// Hang answers nothing until the client gives up (or 5s pass).
func Hang(w http.ResponseWriter, r *http.Request) {
	// The server notices a client gone only once the body is read.
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// WriteHeaders copies c.Header to w.
func (c Case) WriteHeaders(w http.ResponseWriter) {
	for k, vs := range c.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
}

// AssertFailure checks that err is an *actiontype.Error of system with status
// (0 for none) and retryable, whose text names both, contains every want,
// and — printed with %v, %+v, %#v and %q — none of secrets in any case.
func AssertFailure(t *testing.T, err error, system string, status int, retryable bool, secrets []string, want ...string) *actiontype.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %s failure with status %d, got success", system, status)
	}
	var e *actiontype.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *actiontype.Error, got %T: %v", err, err)
	}
	text := err.Error()
	t.Logf("failure text: %s", text)
	if e.System != system {
		t.Errorf("System = %q, want %q (%s)", e.System, system, text)
	}
	if e.Status != status {
		t.Errorf("Status = %d, want %d (%s)", e.Status, status, text)
	}
	if e.Retryable != retryable {
		t.Errorf("Retryable = %v, want %v (%s)", e.Retryable, retryable, text)
	}
	if actiontype.IsRetryable(err) != retryable {
		t.Errorf("actiontype.IsRetryable = %v, want %v", !retryable, retryable)
	}
	if !strings.Contains(text, system) {
		t.Errorf("text %q does not name the system %q", text, system)
	}
	if status != 0 && !strings.Contains(text, strconv.Itoa(status)) {
		t.Errorf("text %q does not name the status %d", text, status)
	}
	for _, w := range want {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(w)) {
			t.Errorf("text %q does not contain %q", text, w)
		}
	}
	AssertNoSecret(t, secrets, text, fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", e), fmt.Sprintf("%q", err))
	return e
}

// AssertNoSecret fails when any text contains any secret, ignoring case.
func AssertNoSecret(t *testing.T, secrets []string, texts ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, text := range texts {
			if strings.Contains(strings.ToLower(text), strings.ToLower(s)) {
				t.Errorf("a secret leaked into %q", text)
			}
		}
	}
}

// Load loads a configuration file holding yaml with validators, as
// check-config does, and returns the result of config.Load.
func Load(t *testing.T, yaml string, validators ...config.IntegrationValidator) (*config.Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tourniquet.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.Load(path, func(string) string { return "" }, os.ReadFile, validators...)
}

// Validator adapts an integration package's Validate to
// config.IntegrationValidator for integrations of type typ.
func Validator(typ string, validate func(config.Integration) []config.Problem) config.IntegrationValidator {
	return func(_ string, in config.Integration) []config.Problem {
		if in.Type != typ {
			return nil
		}
		return validate(in)
	}
}

// Integration returns an integration entry built in code, as tests need.
func Integration(typ string, settings map[string]any, secrets map[string]string) config.Integration {
	in := config.Integration{Type: typ, Settings: settings, Secrets: map[string]config.Secret{}}
	if in.Settings == nil {
		in.Settings = map[string]any{}
	}
	for k, v := range secrets {
		in.Secrets[k] = config.NewSecret(v)
	}
	return in
}

// AssertMayHaveRun checks the MayHaveRun mark of an *actiontype.Error.
func AssertMayHaveRun(t *testing.T, err error, want bool) {
	t.Helper()
	var e *actiontype.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *actiontype.Error, got %T: %v", err, err)
	}
	if e.MayHaveRun != want {
		t.Errorf("MayHaveRun = %v, want %v (%v)", e.MayHaveRun, want, err)
	}
}
