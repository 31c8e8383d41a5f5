package config

import (
	"strings"
	"testing"
)

func TestLinkSecret(t *testing.T) {
	c := mustLoad(t, "link_secret_file: /s/link\n", nil, files{"/s/link": "0123456789abcdef0123456789abcdef\n"})
	if c.LinkSecret.Reveal() != "0123456789abcdef0123456789abcdef" || strings.Contains(c.LinkSecret.String(), "0123") {
		t.Errorf("link_secret_file: %q", c.LinkSecret.Reveal())
	}
	ps := problems(t, func() error { _, err := load(t, "link_secret: short\n", nil, nil); return err }())
	if len(ps) != 1 || ps[0].Key != "link_secret" || !strings.Contains(ps[0].Msg, "too short") || strings.Contains(ps[0].String(), "short\"") {
		t.Errorf("short secret: %+v", ps)
	}
	if _, err := load(t, "", env{"TOURNIQUET_LINK_SECRET": "tiny"}, nil); err == nil || strings.Contains(err.Error(), "tiny") {
		t.Errorf("a short secret from the environment: %v (must fail without quoting it)", err)
	}
}

// Pages nobody can open are worth a warning; loopback or any key is fine.
func TestLinkWarning(t *testing.T) {
	warned := func(yaml string) bool {
		for _, w := range mustLoad(t, yaml, nil, nil).Warnings {
			if w.Key == "link_secret" {
				return true
			}
		}
		return false
	}
	if !warned("listen: 0.0.0.0:8080\n") {
		t.Error("no warning for pages closed to everyone")
	}
	for _, yaml := range []string{"listen: 127.0.0.1:8080\n", "listen: '[::1]:80'\n", "listen: 0.0.0.0:8080\napi_token: tok\n",
		"listen: 0.0.0.0:8080\nlink_secret: 0123456789abcdef\n"} {
		if warned(yaml) {
			t.Errorf("warning for %q", yaml)
		}
	}
}
