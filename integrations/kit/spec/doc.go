// Package spec describes what an integration accepts, for check-config and
// for the runner: the action params it takes ([Params]) and helpers that
// check an integration's type-specific settings ([Checker]), read once by a
// [Parser] into the integration's Config for both Validate and ConfigFrom.
//
// Every package under integrations/ exposes the same three functions, so
// that wiring can treat them alike:
//
//	func New(name string, in config.Integration, opts ...httpx.Option) (*Client, error)
//	func Validate(in config.Integration) []config.Problem
//	func Params(in config.Integration) spec.Params
package spec
