// Package followup is the work that leaves an incident: /incident
// follow-up records an item (on the timeline and in the store), /incident
// follow-ups lists them, and a Worker turns them into tickets in the
// configured tracker (Jira, Linear, GitHub Issues) at most once each and
// keeps their state (open or done) for the pages and the report.
//
// It imports the engine (bot), the domain, the store's types and the
// integrations' error type (actiontype); the trackers are consumed through
// the one-method interfaces it declares (Creator, Checker), wired in
// cmd/internal/app.
package followup
