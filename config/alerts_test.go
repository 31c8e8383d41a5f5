package config

import (
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/incident"
)

func TestAlertsIssueShapeLoads(t *testing.T) {
	const yaml = `
alerts:
  token_file: /run/secrets/alerts
  pagerduty_signing_secret_file: /run/secrets/pd-webhook
  triage_channel: "slack:C0TRIAGE"
  routes:
    - match: {alertname: CheckoutErrors}
      action: declare
      severity: sev2
      services_label: service
      title: "{{ .CommonAnnotations.summary }}"
    - match: {severity: warning}
      action: propose
paging:
  page_on: [sev1]
  targets:
    oncall: {type: pagerduty, routing_key_file: /run/secrets/pd}
`
	c := mustLoad(t, yaml, nil, files{"/run/secrets/alerts": "tok\n", "/run/secrets/pd-webhook": "old-secret\nnew-secret\n", "/run/secrets/pd": "R0UTING\n"})
	if !c.Alerts.Token.Matches("tok") || len(c.Alerts.Routes) != 2 || c.Alerts.Routes[0].Action != AlertDeclare ||
		c.Alerts.Routes[1].ActionOrDefault() != AlertPropose || c.Alerts.Routes[0].Match["alertname"] != "CheckoutErrors" {
		t.Fatalf("alerts = %+v", c.Alerts)
	}
	if got := c.Alerts.PagerDutySecrets(); len(got) != 2 || got[0].Reveal() != "old-secret" || got[1].Reveal() != "new-secret" {
		t.Errorf("signing secrets = %d of them", len(got))
	}
	if c.Paging.DefaultTarget() != "oncall" || !c.Paging.PagesOn(incident.Sev1) || c.Paging.PagesOn(incident.Sev2) ||
		c.Paging.Targets["oncall"].RoutingKey.Reveal() != "R0UTING" {
		t.Errorf("paging = %+v", c.Paging)
	}
	secrets := strings.Join(c.SecretValues(), " ")
	for _, want := range []string{"tok", "old-secret", "new-secret", "R0UTING"} {
		if !strings.Contains(secrets, want) {
			t.Errorf("SecretValues lacks %q: it would not be redacted", want)
		}
	}
}

func TestAlertsAndPagingProblems(t *testing.T) {
	const yaml = `
alerts:
  triage_channel: "C0TRIAGE"
  allowed: ["bob"]
  routes:
    - match_re: {service: "check(out"}
      action: escalate
      title: "{{ .CommonAnnotations.summary"
    - severity_label: severity
    - severity: sev9
      severity_map: {critical: sev0}
paging:
  page_on: [sev7]
  target: nobody
  targets:
    pd: {type: pagerduty}
    og: {type: opsgenie}
    hook: {type: webhook}
    other: {type: pagerdoodie}
`
	ps := problems(t, func() error { _, err := load(t, yaml, nil, nil); return err }())
	want := map[string]string{
		"alerts.triage_channel":                  "want platform:channel",
		"alerts.allowed[0]":                      `"bob"`,
		"alerts.routes[0].match_re.service":      "invalid regular expression",
		"alerts.routes[0].action":                `unknown action "escalate" (want declare, propose or attach)`,
		"alerts.routes[0].title":                 "invalid template",
		"alerts.routes[1].severity_map":          "required with severity_label",
		"alerts.routes[2].severity":              `unknown severity "sev9"`,
		"alerts.routes[2].severity_label":        "required with severity_map",
		"alerts.routes[2].severity_map.critical": `unknown severity "sev0"`,
		"paging.page_on[0]":                      `unknown severity "sev7"`,
		"paging.target":                          `"nobody" is not defined in paging.targets`,
		"paging.targets.pd.routing_key":          "required for pagerduty",
		"paging.targets.og.api_key":              "required for opsgenie",
		"paging.targets.hook.url":                "required for a webhook",
		"paging.targets.other.type":              `unknown type "pagerdoodie"`,
	}
	got := map[string]string{}
	for _, p := range ps {
		got[p.Key] += p.Msg
	}
	for k, w := range want {
		if !strings.Contains(got[k], w) {
			t.Errorf("%s: got %q, want it to say %q", k, got[k], w)
		}
	}
}

func TestTriageChannelOnAnUnconfiguredPlatformWarns(t *testing.T) {
	c := mustLoad(t, "alerts: {token: t0ken-0123, triage_channel: \"discord:123\"}\n", nil, nil)
	if len(c.Warnings) != 1 || c.Warnings[0].Key != "alerts.triage_channel" || !strings.Contains(c.Warnings[0].Msg, "discord is not configured") {
		t.Errorf("warnings %v", c.Warnings)
	}
}
