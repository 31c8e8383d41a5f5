// Package probe is the impact probes: the bot looks at customer impact
// itself instead of only asking about it. A probe is a PromQL query that
// returns one number (any Prometheus-compatible HTTP API) or a synthetic
// request to a customer-facing URL, configured per service
// (config.Probe). For every open incident, each probe of its services is
// evaluated at its interval and concludes impacting, clear or unknown.
//
// Probe states live in the database (storage.ProbeStore). Every replica's
// Worker leases due ones (ClaimDueProbes), evaluates them outside any
// transaction, and applies each result in a unit of work of the bot on
// the incident (bot.Engine.RunAsSystem, source probe): the state change
// and its event (probe_impacting, probe_clear, probe_unknown, with the
// value), the sample for the report's chart, and what the probe says in
// the channel, all through the outbox. A result is dropped if another
// replica claimed the probe since, so N replicas evaluate each probe once
// per interval.
//
// What the probe says: a panel on the card and every check-in with each
// probe's state and value in words (Service.Panel); a challenge when
// someone says mitigated while a probe still sees impact; the mitigation
// verified once every probe stays clear for its hold; "Impact is back?"
// when a probe breaches after a verified mitigation; and, on the first
// evaluation, the time the breach began before the declaration with a
// button that moves the impact start there. Nothing changes the impact
// state without a person's click unless the probe is configured auto.
//
// probe is a feature package, a peer of checkin and actions: it may import
// the domain (incident), the engine (bot), storage, config and the leaf
// utilities under internal/, never a chat adapter nor the composition
// root.
package probe
