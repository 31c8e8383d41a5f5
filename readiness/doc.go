// Package readiness is mitigation readiness: knowing before an incident
// that its safe moves work (docs/readiness.md). It holds three features
// that share one store area (storage.ReadinessStore):
//
//   - fail-forward deadlines: "/incident fail-forward 30m <reason>" records
//     the decision with a deadline (the bot's own command); this package's
//     Hook stores the deadline, and its DeadlineSweeper asks again, with
//     the rollback and kill switch first and the lead mentioned, when the
//     deadline passes with impact still ongoing. Any number of replicas
//     claim each deadline once, in the transaction that posts the question.
//   - the readiness of each service: which safe moves exist, who may run
//     them, whether their integrations' credentials work (a read-only
//     preflight), when each last ran for real and was last drilled, and a
//     score (Assess, Score).
//   - drills: "/incident drill <service> [scenario]" opens an incident
//     marked DRILL whose actions run against their drill targets, graded
//     at resolution.
//
// readiness is a feature package, a peer of actions and checkin: it may
// import the domain (incident), the engine (bot), actiontype, storage,
// config and the leaf utilities under internal/, never a chat adapter nor
// the composition root. It reports through callbacks, never Prometheus.
package readiness
