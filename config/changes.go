package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/integrations/kit/tmpl"
)

// Changes configures the change feed (docs/changes.md): how long changes
// are kept, how far before impact the card looks for them, how long an
// action's effect is watched for, and the secrets the webhooks of GitHub,
// LaunchDarkly and Argo CD are verified with.
type Changes struct {
	// Retention is how long a change is kept (default 720h, 30 days).
	Retention time.Duration `yaml:"retention" json:"retention"`
	// Window is how long before impact started a change counts as a
	// suspect on the card and in the report (default 2h).
	Window time.Duration `yaml:"window" json:"window"`
	// VerifyTimeout bounds how long an action's effect is watched for
	// after it succeeded (default 5m).
	VerifyTimeout time.Duration `yaml:"verify_timeout" json:"verify_timeout"`
	// GitHubSecret verifies X-Hub-Signature-256 of GitHub webhooks.
	GitHubSecret     Secret `yaml:"github_secret" json:"github_secret"`
	GitHubSecretFile string `yaml:"github_secret_file" json:"github_secret_file"`
	// LaunchDarklySecret verifies X-LD-Signature of LaunchDarkly webhooks.
	LaunchDarklySecret     Secret `yaml:"launchdarkly_secret" json:"launchdarkly_secret"`
	LaunchDarklySecretFile string `yaml:"launchdarkly_secret_file" json:"launchdarkly_secret_file"`
	// ArgoCDToken is the bearer token Argo CD notifications send.
	ArgoCDToken     Secret `yaml:"argocd_token" json:"argocd_token"`
	ArgoCDTokenFile string `yaml:"argocd_token_file" json:"argocd_token_file"`
	// Kubernetes, when its integration is set, watches Deployments'
	// rollouts in Namespaces and records each as a deploy.
	Kubernetes KubernetesWatch `yaml:"kubernetes" json:"kubernetes"`
}

// KubernetesWatch is the watch of Deployments' rollouts: Integration names
// an integration of type kubernetes (its server, token and CA are used;
// its service account needs list and watch on deployments).
type KubernetesWatch struct {
	Integration string   `yaml:"integration" json:"integration"`
	Namespaces  []string `yaml:"namespaces" json:"namespaces"`
}

// Defaults of Changes.
const (
	DefaultChangeRetention = 30 * 24 * time.Hour
	DefaultChangeWindow    = 2 * time.Hour
	DefaultVerifyTimeout   = 5 * time.Minute
)

// UndoFor is an action's rule for the changes it undoes: a change of this
// kind to this service (any of the action's services when empty) is shown
// on the card with the action as its undo button, and the action runs with
// Params laid over its own, each a template (integrations/kit/tmpl) that
// sees the change as .Change ({{ .Change.PreviousVersion }}).
type UndoFor struct {
	Kind    string            `yaml:"kind" json:"kind"`
	Service string            `yaml:"service" json:"service"`
	Params  map[string]string `yaml:"params" json:"params"`
}

// validateChanges checks the changes section and every action's undo_for.
func (l *loader) validateChanges(c *Config) {
	ch := &c.Changes
	for key, d := range map[string]time.Duration{"changes.retention": ch.Retention, "changes.window": ch.Window,
		"changes.verify_timeout": ch.VerifyTimeout} {
		if d <= 0 {
			l.fail(key, "must be positive")
		}
	}
	if kw := ch.Kubernetes; kw.Integration != "" {
		in, ok := c.Integrations[kw.Integration]
		switch {
		case !ok:
			l.fail("changes.kubernetes.integration", fmt.Sprintf("integration %q is not defined in integrations", kw.Integration))
		case in.Type != "kubernetes":
			l.fail("changes.kubernetes.integration", fmt.Sprintf("integration %q is of type %s; the watch needs one of type kubernetes", kw.Integration, in.Type))
		}
		if len(kw.Namespaces) == 0 {
			l.fail("changes.kubernetes.namespaces", "required: the namespaces whose Deployments to watch")
		}
		for i, ns := range kw.Namespaces {
			if strings.TrimSpace(ns) == "" {
				l.fail(fmt.Sprintf("changes.kubernetes.namespaces[%d]", i), "must not be empty")
			}
		}
	} else if len(kw.Namespaces) > 0 {
		l.fail("changes.kubernetes.integration", "required with namespaces: the integration of type kubernetes to watch with")
	}
	for i, a := range c.Actions {
		if a.UndoFor != nil {
			l.validateUndoFor(fmt.Sprintf("actions[%d].undo_for", i), a)
		}
	}
}

func (l *loader) validateUndoFor(p string, a Action) {
	u := a.UndoFor
	kinds := make([]string, len(incident.ChangeKinds))
	for i, k := range incident.ChangeKinds {
		kinds[i] = string(k)
	}
	if !slices.Contains(kinds, u.Kind) {
		l.fail(p+".kind", fmt.Sprintf("%q: want one of %s", u.Kind, strings.Join(kinds, ", ")))
	}
	switch svc, err := incident.ParseServiceName(u.Service); {
	case u.Service == "" && len(a.Services) == 0:
		l.fail(p+".service", "required when the action names no services: which service's changes does it undo?")
	case u.Service != "" && err != nil:
		l.fail(p+".service", err.Error())
	case u.Service != "" && svc != u.Service:
		l.fail(p+".service", fmt.Sprintf("%q: write service names in lower case (%s)", u.Service, svc))
	}
	for _, k := range sortedKeys(u.Params) {
		t, err := tmpl.Parse(p+".params."+k, u.Params[k])
		if err == nil {
			err = t.Check()
		}
		if err != nil {
			l.fail(p+".params."+k, strings.TrimPrefix(err.Error(), p+".params."+k+": "))
		}
	}
}
