package config

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"text/template"

	"github.com/tourniquet/tourniquet/incident"
)

// Alert route actions: what a route does with the alerts it matches.
const (
	// AlertDeclare opens an incident at once.
	AlertDeclare = "declare"
	// AlertPropose posts a proposal to the triage channel: declare, attach
	// to an open incident, or ignore (the default).
	AlertPropose = "propose"
	// AlertAttach attaches the alerts to an open incident of the same
	// services, and does nothing when there is none.
	AlertAttach = "attach"
)

// AlertActions are the actions a route may name.
var AlertActions = []string{AlertDeclare, AlertPropose, AlertAttach}

// Alerts configures alert intake (POST /alerts/alertmanager, /grafana,
// /pagerduty, /generic) and what becomes of the alerts. Intake is off
// until a token, basic auth or a PagerDuty signing secret is set: an
// endpoint without a credential answers 401 to everyone.
type Alerts struct {
	// Token is the bearer token Alertmanager's, Grafana's and the generic
	// webhooks send (Authorization: Bearer <token>).
	Token     Secret `yaml:"token" json:"token"`
	TokenFile string `yaml:"token_file" json:"token_file"`
	// BasicAuth is accepted instead of the token, for senders that only do
	// basic auth (Alertmanager's http_config.basic_auth).
	BasicAuth AlertsBasicAuth `yaml:"basic_auth" json:"basic_auth"`
	// PagerDutySigningSecret verifies X-PagerDuty-Signature. While a
	// secret is rotated, give several: one per line in the file (or
	// separated by commas inline); a signature by any of them is accepted.
	PagerDutySigningSecret     Secret `yaml:"pagerduty_signing_secret" json:"pagerduty_signing_secret"`
	PagerDutySigningSecretFile string `yaml:"pagerduty_signing_secret_file" json:"pagerduty_signing_secret_file"`
	// TriageChannel is where proposals go ("slack:C0TRIAGE"); empty means
	// the announce channel of the first chat platform configured.
	TriageChannel string `yaml:"triage_channel" json:"triage_channel"`
	// Allowed are who may click a proposal's buttons (users and groups);
	// empty allows everyone who can see the triage channel, as declaring
	// does.
	Allowed []string `yaml:"allowed" json:"allowed"`
	// Routes are tried in order; the first whose labels match wins. An
	// alert no route matches is proposed.
	Routes []AlertRoute `yaml:"routes" json:"routes"`
}

// AlertsBasicAuth is a username and password pair.
type AlertsBasicAuth struct {
	Username     string `yaml:"username" json:"username"`
	Password     Secret `yaml:"password" json:"password"`
	PasswordFile string `yaml:"password_file" json:"password_file"`
}

// Enabled reports whether any intake credential is set.
func (a Alerts) Enabled() bool {
	return a.Token.IsSet() || a.BasicAuth.Password.IsSet() || a.PagerDutySigningSecret.IsSet()
}

// PagerDutySecrets are the configured PagerDuty signing secrets, several
// while one is rotated.
func (a Alerts) PagerDutySecrets() []Secret {
	var out []Secret
	for _, s := range strings.FieldsFunc(a.PagerDutySigningSecret.Reveal(), func(r rune) bool { return r == '\n' || r == ',' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, NewSecret(s))
		}
	}
	return out
}

// AlertRoute is one routing rule.
type AlertRoute struct {
	// Match are label values that must be equal.
	Match map[string]string `yaml:"match" json:"match"`
	// MatchRE are label regexes that must match the whole value (anchored,
	// as in Alertmanager).
	MatchRE map[string]string `yaml:"match_re" json:"match_re"`
	// Action is declare, propose (default) or attach.
	Action string `yaml:"action" json:"action"`
	// Severity is the incident's severity (default sev2), unless
	// SeverityLabel names a label whose value SeverityMap maps to one.
	Severity      string            `yaml:"severity" json:"severity"`
	SeverityLabel string            `yaml:"severity_label" json:"severity_label"`
	SeverityMap   map[string]string `yaml:"severity_map" json:"severity_map"`
	// ServicesLabel names the label that holds the affected service.
	ServicesLabel string `yaml:"services_label" json:"services_label"`
	// Title is a Go template over the alert group ({{ .CommonAnnotations.summary }});
	// empty means the alert's name.
	Title string `yaml:"title" json:"title"`
	// AutoMitigate marks the incident mitigated, with the source "alert",
	// when every alert attached to it has resolved. Without it the channel
	// is asked.
	AutoMitigate bool `yaml:"auto_mitigate" json:"auto_mitigate"`
}

// ActionOrDefault is the route's action, propose when unset.
func (r AlertRoute) ActionOrDefault() string {
	if r.Action == "" {
		return AlertPropose
	}
	return r.Action
}

// AnchoredRE compiles a match_re value as Alertmanager does: the whole
// label value must match.
func AnchoredRE(re string) (*regexp.Regexp, error) { return regexp.Compile("^(?:" + re + ")$") }

// ParseAlertTitle parses a route's title template.
func ParseAlertTitle(text string) (*template.Template, error) {
	return template.New("title").Option("missingkey=zero").Parse(text)
}

// validateAlerts checks the alerts block: routes' regexes, templates,
// actions, severities, the triage channel and who may click.
func (l *loader) validateAlerts(a *Alerts) {
	if a.TriageChannel != "" {
		ch, err := ParseChannel(a.TriageChannel)
		switch {
		case err != nil:
			l.fail("alerts.triage_channel", err.Error())
		case ch.Platform == PlatformSlack && !l.cfg.Slack.Enabled(), ch.Platform == PlatformDiscord && !l.cfg.Discord.Enabled():
			l.warn("alerts.triage_channel", ch.Platform+" is not configured: proposals posted there will not arrive")
		}
	}
	l.checkRefs("alerts.allowed", a.Allowed, refUser|refGroup, "")
	for i, r := range a.Routes {
		p := fmt.Sprintf("alerts.routes[%d]", i)
		if len(r.Match) == 0 && len(r.MatchRE) == 0 && i < len(a.Routes)-1 {
			l.warn(p, "matches every alert, so the routes after it never apply")
		}
		for _, k := range sortedKeys(r.MatchRE) {
			if _, err := AnchoredRE(r.MatchRE[k]); err != nil {
				l.fail(p+".match_re."+k, fmt.Sprintf("invalid regular expression %q: %v", r.MatchRE[k], regexpErr(err)))
			}
		}
		if r.Action != "" && !slices.Contains(AlertActions, r.Action) {
			l.fail(p+".action", fmt.Sprintf("unknown action %q (want declare, propose or attach)", r.Action))
		}
		switch {
		case r.Severity != "" && r.SeverityLabel != "":
			l.fail(p+".severity_label", "set either severity or severity_label, not both")
		case r.Severity != "":
			if _, err := incident.ParseSeverity(r.Severity); err != nil {
				l.fail(p+".severity", fmt.Sprintf("unknown severity %q (want sev1, sev2, sev3 or sev4)", r.Severity))
			}
		case r.SeverityLabel != "" && len(r.SeverityMap) == 0:
			l.fail(p+".severity_map", "required with severity_label: map each label value to sev1..sev4, for example {critical: sev1, warning: sev3}")
		}
		if len(r.SeverityMap) > 0 && r.SeverityLabel == "" {
			l.fail(p+".severity_label", "required with severity_map: the label whose value is mapped")
		}
		for _, k := range sortedKeys(r.SeverityMap) {
			if _, err := incident.ParseSeverity(r.SeverityMap[k]); err != nil {
				l.fail(p+".severity_map."+k, fmt.Sprintf("unknown severity %q (want sev1, sev2, sev3 or sev4)", r.SeverityMap[k]))
			}
		}
		if r.Title != "" {
			if _, err := ParseAlertTitle(r.Title); err != nil {
				l.fail(p+".title", "invalid template: "+strings.TrimPrefix(err.Error(), "template: title:"))
			}
		}
	}
}

// regexpErr is a regexp error without the pattern Go repeats.
func regexpErr(err error) string {
	if e, ok := errors.AsType[*syntax.Error](err); ok {
		return string(e.Code)
	}
	return err.Error()
}
