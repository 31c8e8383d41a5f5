// Package actions is the mitigation catalog: the safe moves configured
// before an incident (roll back, kill switch, …), who may run them, and the
// run lifecycle — claimed once, called at most once per run with an
// idempotency key, audited, its outcome on the timeline.
//
// It declares Integration, the small interface that packages under
// integrations/ satisfy.
package actions
