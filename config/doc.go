// Package config loads Tourniquet's configuration from a YAML file and
// TOURNIQUET_* environment variables, fills in defaults and validates the
// result.
//
// Precedence, highest first: an environment variable (TOURNIQUET_X or its
// TOURNIQUET_X_FILE variant), then the YAML file (x or x_file), then the
// defaults of [Default]. Setting both X and X_FILE, in either place, is an
// error. Secret files are read with one trailing newline (\n or \r\n)
// trimmed.
//
// Loading never stops at the first mistake: [Load] returns an [*Errors]
// listing every problem it found (unknown keys with their full path and
// line, bad values naming their key, cross-field mistakes), so that
// "tourniquet check-config" can print them all at once.
//
// Secrets are held in [Secret], which prints, marshals and logs as
// "<secret>"; no problem message ever contains a secret's value.
//
// # Extension point for integrations
//
// The type-specific keys of an integration are opaque here. Callers that know
// the integration types pass one or more [IntegrationValidator] functions to
// [Load] (cmd/tourniquet builds one that switches on [Integration.Type] and
// calls each integration package's checker); their problems are reported
// together with everything else.
package config
