package spec

import (
	"maps"
	"slices"

	"github.com/tourniquet/tourniquet/config"
)

// Parser reads the settings of one integration type into its Config, T,
// checking them as it goes. It is the one parse behind both check-config
// ([Parser.Validate]) and building a client ([Parser.Config]), so the two
// never disagree about what an entry means.
type Parser[T any] struct {
	// Type is the integration type ("launchdarkly"), for error texts.
	Type string
	// Settings and Secrets are the keys the type accepts (a secret inline
	// or as name_file). Any other key is reported.
	Settings, Secrets []string
	// AnySecret also accepts every secret the entry has, whatever its name
	// (exec passes each one to its command).
	AnySecret bool
	// Parse reads in into a T and reports what is wrong to c. The unknown
	// keys are already reported.
	Parse func(c *Checker, in config.Integration) T
}

// Validate returns the problems of in, nil when there are none.
func (p Parser[T]) Validate(in config.Integration) []config.Problem {
	_, problems := p.parse(in)
	return problems
}

// Config returns in read into a T, and an error listing every problem
// (see [Err]). The T is returned even with an error.
func (p Parser[T]) Config(in config.Integration) (T, error) {
	cfg, problems := p.parse(in)
	return cfg, Err(p.Type, problems)
}

func (p Parser[T]) parse(in config.Integration) (T, []config.Problem) {
	c := Check(in)
	secrets := p.Secrets
	if p.AnySecret {
		secrets = append(slices.Clone(secrets), slices.Sorted(maps.Keys(in.Secrets))...)
	}
	c.Known(p.Settings, secrets)
	cfg := p.Parse(c, in)
	return cfg, c.Problems()
}
