package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
)

// Paging target types.
const (
	PagerPagerDuty = "pagerduty"
	PagerOpsgenie  = "opsgenie"
	PagerWebhook   = "webhook"
)

// PagerTypes are the paging target types Tourniquet speaks.
var PagerTypes = []string{PagerPagerDuty, PagerOpsgenie, PagerWebhook}

// Paging configures paging the on-call: the targets, which severities page
// at declaration, and who may page by hand.
type Paging struct {
	// PageOn are the severities whose declaration pages Target.
	PageOn []string `yaml:"page_on" json:"page_on"`
	// Target is the target paged at declaration (PageOn); it may be left
	// out when there is only one target.
	Target string `yaml:"target" json:"target"`
	// EscalateTo, when set, is paged by the check-in escalation as its
	// last step, after the lead and the whole channel were asked.
	EscalateTo string `yaml:"escalate_to" json:"escalate_to"`
	// Allowed are who may run /incident page (users, roles, groups);
	// empty means the lead and whoever declared it.
	Allowed []string `yaml:"allowed" json:"allowed"`
	// Targets are the paging integrations by name.
	Targets map[string]PagingTarget `yaml:"targets" json:"targets"`
}

// PagingTarget is one paging integration.
type PagingTarget struct {
	// Type is pagerduty, opsgenie or webhook.
	Type string `yaml:"type" json:"type"`
	// URL overrides the API's address: PagerDuty's events endpoint
	// (https://events.pagerduty.com/v2/enqueue), Opsgenie's API base
	// (https://api.opsgenie.com, or https://api.eu.opsgenie.com); the
	// webhook's URL (required).
	URL string `yaml:"url" json:"url"`
	// RoutingKey is PagerDuty's integration (routing) key.
	RoutingKey     Secret `yaml:"routing_key" json:"routing_key"`
	RoutingKeyFile string `yaml:"routing_key_file" json:"routing_key_file"`
	// APIKey is Opsgenie's API integration key.
	APIKey     Secret `yaml:"api_key" json:"api_key"`
	APIKeyFile string `yaml:"api_key_file" json:"api_key_file"`
	// Secret, for a webhook, signs each body (X-Tourniquet-Signature:
	// sha256=<hex HMAC>).
	Secret     Secret `yaml:"secret" json:"secret"`
	SecretFile string `yaml:"secret_file" json:"secret_file"`
}

// DefaultTarget is the target paged at declaration: Target, or the only
// one.
func (p Paging) DefaultTarget() string {
	if p.Target != "" || len(p.Targets) != 1 {
		return p.Target
	}
	for name := range p.Targets {
		return name
	}
	return ""
}

// PagesOn reports whether declaring at s pages.
func (p Paging) PagesOn(s incident.Severity) bool {
	for _, v := range p.PageOn {
		if sev, err := incident.ParseSeverity(v); err == nil && sev == s {
			return true
		}
	}
	return false
}

func (p Paging) secretValues() []string {
	var out []string
	for _, name := range sortedKeys(p.Targets) {
		t := p.Targets[name]
		for _, s := range []Secret{t.RoutingKey, t.APIKey, t.Secret} {
			if s.IsSet() {
				out = append(out, s.Reveal())
			}
		}
	}
	return out
}

// validatePaging reads the targets' secret files and checks the paging
// block.
func (l *loader) validatePaging(p *Paging) {
	for _, name := range sortedKeys(p.Targets) {
		t := p.Targets[name]
		k := "paging.targets." + name
		for _, f := range []struct {
			base string
			sec  *Secret
			path string
		}{{"routing_key", &t.RoutingKey, t.RoutingKeyFile}, {"api_key", &t.APIKey, t.APIKeyFile}, {"secret", &t.Secret, t.SecretFile}} {
			if f.path == "" {
				continue
			}
			if f.sec.IsSet() {
				l.fail(k+"."+f.base+"_file", "set either "+f.base+" or "+f.base+"_file, not both")
				continue
			}
			if s, ok := l.readSecret(k+"."+f.base+"_file", f.path); ok {
				*f.sec = s
			}
		}
		p.Targets[name] = t
		if strings.ContainsAny(name, " \t:") || name == "" {
			l.fail(k, fmt.Sprintf("target name %q must be a word", name))
		}
		switch t.Type {
		case PagerPagerDuty:
			if !t.RoutingKey.IsSet() {
				l.fail(k+".routing_key", "required for pagerduty: the Events API v2 integration key (routing_key or routing_key_file)")
			}
		case PagerOpsgenie:
			if !t.APIKey.IsSet() {
				l.fail(k+".api_key", "required for opsgenie: an API integration key (api_key or api_key_file)")
			}
		case PagerWebhook:
			if t.URL == "" {
				l.fail(k+".url", "required for a webhook")
			}
		case "":
			l.fail(k+".type", "required: one of "+strings.Join(PagerTypes, ", "))
		default:
			l.fail(k+".type", fmt.Sprintf("unknown type %q (want one of %s)", t.Type, strings.Join(PagerTypes, ", ")))
		}
		if t.URL != "" {
			l.checkURL(k+".url", t.URL)
		}
	}
	for i, s := range p.PageOn {
		if _, err := incident.ParseSeverity(s); err != nil {
			l.fail(fmt.Sprintf("paging.page_on[%d]", i), fmt.Sprintf("unknown severity %q (want sev1, sev2, sev3 or sev4)", s))
		}
	}
	names := sortedKeys(p.Targets)
	for _, f := range []struct{ key, val string }{{"paging.target", p.Target}, {"paging.escalate_to", p.EscalateTo}} {
		if f.val != "" && !slices.Contains(names, f.val) {
			l.fail(f.key, fmt.Sprintf("%q is not defined in paging.targets", f.val))
		}
	}
	if len(p.PageOn) > 0 && p.DefaultTarget() == "" {
		l.fail("paging.target", "required with page_on when there is not exactly one target: which target is paged")
	}
	l.checkRefs("paging.allowed", p.Allowed, refAny, "")
}
