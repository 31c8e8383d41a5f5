package builtin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/builtin"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

func TestEveryTypeBuildsValidatesAndDeclaresParams(t *testing.T) {
	settings := map[string]map[string]any{
		"webhook":       {"url": "https://hooks.example.com/x"},
		"launchdarkly":  {"project": "p", "environment": "e"},
		"unleash":       {"url": "https://unleash.example.com", "environment": "e"},
		"flagsmith":     {"environment": "k"},
		"argocd":        {"url": "https://argocd.example.com"},
		"githubactions": {"owner": "o", "repo": "r", "workflow": "w.yml", "ref": "main"},
		"kubernetes":    {"server": "https://k8s.example.com", "namespace": "n"},
	}
	for _, typ := range builtin.Types {
		in := httpxtest.Integration(typ, settings[typ], map[string]string{"token": "tok-123456", "api_token": "tok-123456"})
		if typ != "launchdarkly" {
			delete(in.Secrets, "api_token")
		} else {
			delete(in.Secrets, "token")
		}
		if p := builtin.Validate("x", in); len(p) != 0 {
			t.Errorf("%s: problems %v", typ, p)
		}
		it, ok, err := builtin.New("x", in)
		if !ok || err != nil || it == nil {
			t.Errorf("%s: New = %v %v %v", typ, it, ok, err)
		}
		if _, ok := builtin.Params(in); !ok || !builtin.Known(typ) {
			t.Errorf("%s: no params spec", typ)
		}
	}
}

func TestUnknownTypeIsLeftToOthers(t *testing.T) {
	in := httpxtest.Integration("exec", nil, nil)
	if it, ok, err := builtin.New("x", in); ok || it != nil || err != nil {
		t.Errorf("New = %v %v %v", it, ok, err)
	}
	if builtin.Validate("x", in) != nil || builtin.Known("exec") {
		t.Error("exec claimed")
	}
}

func TestBadConfigIsAnErrorNotANilClient(t *testing.T) {
	in := httpxtest.Integration("unleash", map[string]any{}, nil)
	it, ok, err := builtin.New("flags", in)
	if !ok || it != nil || err == nil || !strings.Contains(err.Error(), "integration flags: unleash integration: url: required") {
		t.Errorf("New = %v %v %v", it, ok, err)
	}
}

func TestOptionsReachTheClient(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.URL.Path }))
	defer srv.Close()
	in := httpxtest.Integration("launchdarkly", map[string]any{"project": "p", "environment": "e"}, map[string]string{"api_token": "tok-123456"})
	it, _, err := builtin.New("flags", in, httpx.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := it.Run(context.Background(), actiontype.Request{RunID: "r", Params: map[string]string{"flag": "f"}}); err != nil {
		t.Fatal(err)
	}
	if got != "/api/v2/flags/p/f" {
		t.Errorf("path = %q", got)
	}
}
