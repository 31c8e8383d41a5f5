package app

import (
	"slices"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx/httpxtest"
)

// minimal are settings each configurable type accepts without a problem.
var minimal = map[string]struct {
	settings map[string]any
	secrets  map[string]string
}{
	"argocd":        {map[string]any{"url": "https://argocd.example.com"}, map[string]string{"token": "tok-123456"}},
	"exec":          {map[string]any{"command": []any{"true"}}, nil},
	"flagsmith":     {map[string]any{"environment": "k"}, map[string]string{"token": "tok-123456"}},
	"githubactions": {map[string]any{"owner": "o", "repo": "r", "workflow": "w.yml", "ref": "main"}, map[string]string{"token": "tok-123456"}},
	"kubernetes":    {map[string]any{"server": "https://k8s.example.com", "namespace": "n"}, map[string]string{"token": "tok-123456"}},
	"launchdarkly":  {map[string]any{"project": "p", "environment": "e"}, map[string]string{"api_token": "tok-123456"}},
	"unleash":       {map[string]any{"url": "https://unleash.example.com", "environment": "e"}, map[string]string{"token": "tok-123456"}},
	"webhook":       {map[string]any{"url": "https://hooks.example.com/x"}, nil},
}

// TestEveryIntegrationTypeIsWiredWhole: each descriptor in the list has
// its four parts, a type of its own, and builds, validates and declares
// params for a minimal entry; the known types of messages are exactly the
// configurable ones.
func TestEveryIntegrationTypeIsWiredWhole(t *testing.T) {
	seen := map[string]bool{}
	var configurable []string
	for _, d := range integrationTypes {
		if d.Type == "" || d.Validate == nil || d.Params == nil || d.New == nil {
			t.Errorf("descriptor %q lacks a part: %+v", d.Type, d)
		}
		if seen[d.Type] {
			t.Errorf("type %q is listed twice", d.Type)
		}
		seen[d.Type] = true
		if d.DemoOnly {
			continue
		}
		configurable = append(configurable, d.Type)
		m, ok := minimal[d.Type]
		if !ok {
			t.Errorf("%s: no minimal settings in this test", d.Type)
			continue
		}
		in := httpxtest.Integration(d.Type, m.settings, m.secrets)
		if p := ValidateIntegration("x", in); len(p) != 0 {
			t.Errorf("%s: problems %v", d.Type, p)
		}
		if _, ok := actionParams(in); !ok {
			t.Errorf("%s: no params check", d.Type)
		}
		if it, err := d.New("x", in); err != nil || it == nil {
			t.Errorf("%s: New = %v, %v", d.Type, it, err)
		}
	}
	slices.Sort(configurable)
	if got := knownIntegrationTypes(); !slices.Equal(got, configurable) || slices.Contains(got, "sandbox") {
		t.Errorf("known types = %v, want %v", got, configurable)
	}
}

// TestBadSettingsBuildNoIntegration: a descriptor's New with bad settings
// is an error and a nil Integration, not a non-nil interface holding a nil
// client.
func TestBadSettingsBuildNoIntegration(t *testing.T) {
	d, ok := integrationTypeOf("unleash")
	if !ok {
		t.Fatal("unleash is not listed")
	}
	it, err := d.New("flags", httpxtest.Integration("unleash", map[string]any{}, nil))
	if it != nil || err == nil || !strings.Contains(err.Error(), "unleash integration: url: required") {
		t.Errorf("New = %v, %v", it, err)
	}
}

// TestSandboxIsBuiltOnlyInTheDemo: a sandbox entry in a configuration
// built in code (check-config refuses it in a file) is not built.
func TestSandboxIsBuiltOnlyInTheDemo(t *testing.T) {
	cfg := &config.Config{
		Integrations: map[string]config.Integration{"demo": httpxtest.Integration("sandbox", nil, nil)},
		Actions:      []config.Action{{ID: "roll", Kind: config.KindRollback, Integration: "demo", Allowed: []string{config.RoleLead}}},
	}
	cat, err := ActionCatalog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ints, err := BuildIntegrations(cfg, cat)
	if err == nil || len(ints) != 0 || !strings.Contains(err.Error(), `integration demo: type "sandbox" cannot be used (known: argocd, exec,`) {
		t.Errorf("BuildIntegrations = %v, %v", ints, err)
	}
}
