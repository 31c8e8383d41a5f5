package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// issueProbe is the shape of the issue: what acceptance checks rely on.
const issueProbe = `probes:
  - id: checkout-errors
    service: checkout
    type: prometheus
    url: http://prometheus:9090
    query: sum(rate(http_requests_total{job="checkout",code=~"5.."}[2m])) / sum(rate(http_requests_total{job="checkout"}[2m]))
    impacting_when: {above: 0.02}
    for: 1m
    interval: 30s
    verify_hold: 5m
`

func TestProbeIssueShapeLoads(t *testing.T) {
	c := mustLoad(t, issueProbe, nil, nil)
	if len(c.Probes) != 1 {
		t.Fatalf("probes = %d, want 1", len(c.Probes))
	}
	p := c.Probes[0]
	if p.ID != "checkout-errors" || p.Service != "checkout" || p.Type != ProbePrometheus || p.URL != "http://prometheus:9090" {
		t.Errorf("probe = %+v", p)
	}
	if p.ImpactingWhen.Above == nil || *p.ImpactingWhen.Above != 0.02 || p.ImpactingWhen.Below != nil {
		t.Errorf("impacting_when = %+v, want above 0.02", p.ImpactingWhen)
	}
	if p.For != time.Minute || p.Interval != 30*time.Second || p.VerifyHold != 5*time.Minute {
		t.Errorf("for/interval/verify_hold = %v/%v/%v", p.For, p.Interval, p.VerifyHold)
	}
	if p.Lookback != DefaultProbeLookback || p.Timeout != DefaultProbeTimeout || p.Unit != UnitNumber || p.Auto {
		t.Errorf("defaults: lookback %v timeout %v unit %q auto %v", p.Lookback, p.Timeout, p.Unit, p.Auto)
	}
	if !p.ImpactingWhen.Breached(0.03) || p.ImpactingWhen.Breached(0.02) {
		t.Error("above 0.02 should be breached by 0.03 and not by 0.02")
	}
}

func TestProbeDefaults(t *testing.T) {
	c := mustLoad(t, `probes:
  - {id: home, service: web, type: http, url: "https://shop.example.com/"}
  - {id: p99, service: web, type: prometheus, url: "http://prom:9090", query: "x", impacting_when: {below: 1}, unit: seconds}
`, nil, nil)
	h := c.Probes[0]
	if h.Method != "GET" || h.ExpectStatus != 200 || h.Interval != DefaultProbeInterval || h.VerifyHold != DefaultProbeVerifyHold || h.Unit != UnitSeconds {
		t.Errorf("http defaults = %+v", h)
	}
	if b := c.Probes[1].ImpactingWhen.Below; b == nil || *b != 1 {
		t.Errorf("below = %v, want 1 (an integer is a number too)", b)
	}
}

func TestProbeSecretsFromFilesNeverPrint(t *testing.T) {
	c := mustLoad(t, `probes:
  - id: a
    service: s
    type: prometheus
    url: http://prom:9090
    query: up
    impacting_when: {below: 1}
    bearer_token_file: /run/tok
  - id: b
    service: s
    type: http
    url: http://shop/
    basic_auth: {username: bot, password_file: /run/pw}
`, nil, files{"/run/tok": "tok-SECRET-1\n", "/run/pw": "pw-SECRET-2\n"})
	if c.Probes[0].BearerToken.Reveal() != "tok-SECRET-1" || c.Probes[1].BasicAuth.Password.Reveal() != "pw-SECRET-2" {
		t.Fatal("secret files not read")
	}
	printed := fmt.Sprintf("%v %+v %#v", c.Probes, c.Probes, c.Probes)
	for _, s := range []string{"tok-SECRET-1", "pw-SECRET-2"} {
		if strings.Contains(printed, s) {
			t.Errorf("printed probes show %q", s)
		}
	}
	vals := strings.Join(c.SecretValues(), " ")
	if !strings.Contains(vals, "tok-SECRET-1") || !strings.Contains(vals, "pw-SECRET-2") {
		t.Error("SecretValues misses the probes' secrets (the redactor would not scrub them)")
	}
}

func TestProbeProblems(t *testing.T) {
	cases := []struct {
		name, yaml, key, want string
	}{
		{"no id", `{service: s, type: http, url: "http://x/"}`, "probes[0].id", "required"},
		{"bad id", `{id: "a b", service: s, type: http, url: "http://x/"}`, "probes[0].id", "spaces"},
		{"no service", `{id: a, type: http, url: "http://x/"}`, "probes[0].service", "required"},
		{"no type", `{id: a, service: s, url: "http://x/"}`, "probes[0].type", "required: one of prometheus, http"},
		{"bad type", `{id: a, service: s, type: graphite, url: "http://x/"}`, "probes[0].type", `unknown type "graphite"`},
		{"no url", `{id: a, service: s, type: http}`, "probes[0].url", "required"},
		{"bad url", `{id: a, service: s, type: http, url: "ftp://x/"}`, "probes[0].url", "absolute http"},
		{"no query", `{id: a, service: s, type: prometheus, url: "http://p/", impacting_when: {above: 1}}`, "probes[0].query", "PromQL"},
		{"no threshold", `{id: a, service: s, type: prometheus, url: "http://p/", query: up}`, "probes[0].impacting_when", "{above: N} or {below: N}"},
		{"both thresholds", `{id: a, service: s, type: prometheus, url: "http://p/", query: up, impacting_when: {above: 1, below: 0}}`, "probes[0].impacting_when", "not both"},
		{"threshold not a number", `{id: a, service: s, type: prometheus, url: "http://p/", query: up, impacting_when: {above: lots}}`, "probes[0].impacting_when.above", "must be a number"},
		{"bad for", `{id: a, service: s, type: http, url: "http://x/", for: soon}`, "probes[0].for", "invalid duration"},
		{"negative for", `{id: a, service: s, type: http, url: "http://x/", for: -1m}`, "probes[0].for", "negative"},
		{"negative interval", `{id: a, service: s, type: http, url: "http://x/", interval: -5s}`, "probes[0].interval", "positive"},
		{"bad status", `{id: a, service: s, type: http, url: "http://x/", expect_status: 42}`, "probes[0].expect_status", "100 to 599"},
		{"bad method", `{id: a, service: s, type: http, url: "http://x/", method: DELETE}`, "probes[0].method", "unsupported method"},
		{"http with query", `{id: a, service: s, type: http, url: "http://x/", query: up}`, "probes[0].query", "only for type prometheus"},
		{"prom with method", `{id: a, service: s, type: prometheus, url: "http://p/", query: up, impacting_when: {above: 1}, method: GET}`, "probes[0].method", "only for type http"},
		{"bad unit", `{id: a, service: s, type: http, url: "http://x/", unit: furlongs}`, "probes[0].unit", `unknown unit "furlongs"`},
		{"two auths", `{id: a, service: s, type: http, url: "http://x/", bearer_token: t0ken, basic_auth: {username: u, password: p4ss}}`, "probes[0].basic_auth", "not both"},
		{"token twice", `{id: a, service: s, type: http, url: "http://x/", bearer_token: t0ken, bearer_token_file: /f}`, "probes[0].bearer_token_file", "not both"},
		{"password without user", `{id: a, service: s, type: http, url: "http://x/", basic_auth: {password: p4ss}}`, "probes[0].basic_auth.username", "required"},
		{"unreadable token file", `{id: a, service: s, type: http, url: "http://x/", bearer_token_file: /nope}`, "probes[0].bearer_token_file", "cannot read /nope"},
		{"unknown key", `{id: a, service: s, type: http, url: "http://x/", treshold: 1}`, "probes[0].treshold", "unknown key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := problems(t, func() error { _, err := load(t, "probes:\n  - "+tc.yaml+"\n", nil, nil); return err }())
			for _, p := range ps {
				if p.Key == tc.key && strings.Contains(p.Msg, tc.want) {
					return
				}
			}
			t.Errorf("no problem at %s containing %q; got %+v", tc.key, tc.want, ps)
		})
	}
}

func TestProbeDuplicateIDs(t *testing.T) {
	ps := problems(t, func() error {
		_, err := load(t, `probes:
  - {id: a, service: s, type: http, url: "http://x/"}
  - {id: a, service: t, type: http, url: "http://y/"}
`, nil, nil)
		return err
	}())
	if len(ps) != 1 || ps[0].Key != "probes[1].id" || !strings.Contains(ps[0].Msg, "duplicate probe id") || ps[0].Line != 3 {
		t.Errorf("problems = %+v", ps)
	}
}

func TestProbeSecretNotInProblems(t *testing.T) {
	_, err := load(t, `probes:
  - {id: a, service: s, type: http, url: "http://x/", bearer_token: "hunter2-SECRET", basic_auth: {username: u, password: "pw-SECRET"}}
`, nil, nil)
	if err == nil {
		t.Fatal("want a problem")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("problem prints a secret: %v", err)
	}
}
