// Package paging wakes the on-call: it pages a configured target (PagerDuty,
// Opsgenie, a webhook) when an incident is declared at a severity of
// paging.page_on, as the check-in escalation's last step, and when someone
// runs /incident page <target> [message]; it closes what it paged when the
// incident is resolved.
//
// A page is decided inside the unit of work that causes it (a pages row,
// at most one per incident and step) and sent later by a worker on any
// replica, outside any transaction; its outcome (sent, failed, unknown) is
// recorded on the timeline, and a failure is said in the incident's
// channel.
//
// It is a feature: it imports the engine, the domain, config, storage and
// the leaf actiontype; the integrations it calls are handed to it as
// Pagers by cmd/internal/app.
package paging
