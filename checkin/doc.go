// Package checkin keeps asking "Is customer impact mitigated?" on a timer
// until someone answers yes: the check-in scheduler, the check-in message,
// the answer command behind its buttons, escalation of unanswered
// check-ins, the slower diagnosis check-in, and the periodic digest.
//
// Check-ins live in the database (storage.CheckinStore), not in memory.
// Every replica runs the same sweeper: it claims due check-ins (Postgres
// FOR UPDATE SKIP LOCKED, SQLite its single writer), records each firing
// under a unique (check-in, due time), and enqueues the message in the same
// transaction, through the engine's own unit of work (bot.Engine.RunAsSystem),
// so that events, hooks and outbox behave exactly as for a command. Any
// number of replicas therefore send each check-in once; after downtime a
// missed check-in fires once, marked late, and never for a resolved
// incident.
//
// The Scheduler goes into the engine when it is built: it is a bot.Hook
// that starts, stops and reschedules check-ins as incidents change, and
// its Commands are the "answer" that the check-in's buttons send. Its
// Sweeper, built once the engine exists, sends the check-ins through it.
// What they do is reported through Options.OnSent and OnAnswered, which
// cmd/internal/app counts in Prometheus.
//
// checkin is a feature package, a peer of actions and postmortem: it may
// import the domain (incident), the engine (bot), storage, config and the
// leaf utilities under internal/, never a chat adapter (bot/slack,
// bot/discord, bot/console) nor the composition root.
package checkin
