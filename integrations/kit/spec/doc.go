// Package spec is how an integration describes itself to wiring and to
// check-config: the [Descriptor] each package under integrations/ exports
// (its type, the checks of its settings, the action params it accepts
// ([Params]) and its constructor), and the helpers behind them: a
// [Checker] of type-specific settings, read once by a [Parser] into the
// integration's Config for both Validate and New, and [Note], a run in one
// line for an external system's audit trail.
//
// It is support code, not an integration: it may import actiontype, config
// (and through it incident) and the standard library, nothing else of
// Tourniquet. A test in integrations/ keeps it so.
//
// An HTTP integration package reads:
//
//	var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, New: spec.Constructor(New)}
//
//	func Validate(in config.Integration) []config.Problem { return parser.Validate(in) }
//	func Params(in config.Integration) spec.Params
//	func New(name string, in config.Integration, opts ...httpx.Option) (*Client, error) {
//		return spec.Build(parser, NewClient, name, in, opts...)
//	}
package spec
