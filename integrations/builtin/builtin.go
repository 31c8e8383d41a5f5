// Package builtin switches on an integration's type to the HTTP
// integration packages, so that wiring needs one call per concern instead
// of one per package. It is a plain switch, not a registry: the exec and
// sandbox integrations (and any other) are wired next to it.
//
//	if it, ok, err := builtin.New(name, in); ok { … }   // the client
//	builtin.Validate                                     // a config.IntegrationValidator
//	builtin.Params(in)                                   // the action params it accepts
package builtin

import (
	"fmt"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/argocd"
	"github.com/tourniquet/tourniquet/integrations/flagsmith"
	"github.com/tourniquet/tourniquet/integrations/githubactions"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
	"github.com/tourniquet/tourniquet/integrations/kubernetes"
	"github.com/tourniquet/tourniquet/integrations/launchdarkly"
	"github.com/tourniquet/tourniquet/integrations/unleash"
	"github.com/tourniquet/tourniquet/integrations/webhook"
)

// Types are the integration types this package knows, in documentation
// order.
var Types = []string{
	webhook.Type, launchdarkly.Type, unleash.Type, flagsmith.Type,
	argocd.Type, githubactions.Type, kubernetes.Type,
}

// Known reports whether typ is one of Types.
func Known(typ string) bool {
	for _, t := range Types {
		if t == typ {
			return true
		}
	}
	return false
}

// New returns the client of the integration named name; ok is false when
// in.Type is not one of Types. opts set the base URL, timeout, HTTP client
// or clock (tests).
func New(name string, in config.Integration, opts ...httpx.Option) (it actiontype.Integration, ok bool, err error) {
	switch in.Type {
	case webhook.Type:
		it, err = nilSafe(webhook.New(name, in, opts...))
	case launchdarkly.Type:
		it, err = nilSafe(launchdarkly.New(name, in, opts...))
	case unleash.Type:
		it, err = nilSafe(unleash.New(name, in, opts...))
	case flagsmith.Type:
		it, err = nilSafe(flagsmith.New(name, in, opts...))
	case argocd.Type:
		it, err = nilSafe(argocd.New(name, in, opts...))
	case githubactions.Type:
		it, err = nilSafe(githubactions.New(name, in, opts...))
	case kubernetes.Type:
		it, err = nilSafe(kubernetes.New(name, in, opts...))
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("integration %s: %w", name, err)
	}
	return it, true, nil
}

// nilSafe keeps a nil *Client from becoming a non-nil interface.
func nilSafe[C actiontype.Integration](c C, err error) (actiontype.Integration, error) {
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks an integration of one of Types for check-config; it has
// the shape of config.IntegrationValidator and returns nil for other types
// (whoever knows them checks them, and reports a type nobody knows).
func Validate(_ string, in config.Integration) []config.Problem {
	switch in.Type {
	case webhook.Type:
		return webhook.Validate(in)
	case launchdarkly.Type:
		return launchdarkly.Validate(in)
	case unleash.Type:
		return unleash.Validate(in)
	case flagsmith.Type:
		return flagsmith.Validate(in)
	case argocd.Type:
		return argocd.Validate(in)
	case githubactions.Type:
		return githubactions.Validate(in)
	case kubernetes.Type:
		return kubernetes.Validate(in)
	}
	return nil
}

// Params returns the action params an integration of one of Types
// accepts; ok is false for other types.
func Params(in config.Integration) (p spec.Params, ok bool) {
	switch in.Type {
	case webhook.Type:
		return webhook.Params(in), true
	case launchdarkly.Type:
		return launchdarkly.Params(in), true
	case unleash.Type:
		return unleash.Params(in), true
	case flagsmith.Type:
		return flagsmith.Params(in), true
	case argocd.Type:
		return argocd.Params(in), true
	case githubactions.Type:
		return githubactions.Params(in), true
	case kubernetes.Type:
		return kubernetes.Params(in), true
	}
	return spec.Params{}, false
}
