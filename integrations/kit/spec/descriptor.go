package spec

import (
	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
)

// Descriptor is what wiring knows of one integration type: its name in the
// configuration, the checks of its settings, the action params it accepts
// and how to build it. Each package under integrations/ exports one, named
// Descriptor, and cmd/internal/app lists them in one literal slice: no init()
// registry and no second list, so what Tourniquet can talk to is read in
// one place and an unused integration is not linked by accident.
type Descriptor struct {
	// Type is the integration type in the configuration ("argocd").
	Type string
	// Validate checks an entry's type-specific settings for check-config.
	// Problem keys are relative to the entry ("url"), as
	// [config.IntegrationValidator] wants them.
	Validate func(in config.Integration) []config.Problem
	// Params are the action params an entry accepts; they may depend on
	// its settings (a project set on the integration need not be a param).
	Params func(in config.Integration) Params
	// New builds the integration named name from its entry, with no
	// option: the settings carry the URL and the timeout. On error the
	// Integration is nil, never a non-nil interface holding a nil client.
	New func(name string, in config.Integration) (actiontype.Integration, error)
	// DemoOnly marks a type that exists only for the demo of a run with
	// nothing configured (the sandbox): it is not offered in messages
	// listing the known types, and wiring builds it only in that run.
	DemoOnly bool
}

// Constructor adapts an integration package's New, whatever its option
// type, to [Descriptor.New]: it is called with no option, and a nil client
// with an error stays a nil Integration.
func Constructor[C actiontype.Integration, O any](newClient func(name string, in config.Integration, opts ...O) (C, error)) func(name string, in config.Integration) (actiontype.Integration, error) {
	return func(name string, in config.Integration) (actiontype.Integration, error) {
		c, err := newClient(name, in)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

// Build reads in with p and builds a client of its Config with newClient
// and opts: the New of an integration package, written once. Problems in
// the settings make one error listing them all (see [Err]), and no client
// is built.
func Build[T, C, O any](p Parser[T], newClient func(name string, cfg T, opts ...O) (C, error), name string, in config.Integration, opts ...O) (C, error) {
	cfg, err := p.Config(in)
	if err != nil {
		var none C
		return none, err
	}
	return newClient(name, cfg, opts...)
}
