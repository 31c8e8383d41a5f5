// Package alerts is alert intake: the HTTP endpoints Alertmanager,
// Grafana, PagerDuty and anything else post alerts to
// (/alerts/alertmanager, /alerts/grafana, /alerts/pagerduty,
// /alerts/generic), the routing worker that turns each alert group into a
// proposal in the triage channel, an incident, or an attachment to an open
// incident, and the commands behind the proposal's and the resolve
// question's buttons.
//
// Intake verifies, caps and stores each delivery (storage.AlertStore)
// before it answers 2xx; retries and repeats with the same content change
// nothing. Routing happens later, on any replica, in one transaction per
// group through the engine (declare goes through the declare command,
// messages through the outbox).
//
// It is a feature: it imports the engine, the domain, config, storage and
// leaves; never an adapter.
package alerts
