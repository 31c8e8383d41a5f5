// Package postmortem writes the postmortem draft the bot posts in an
// incident's channel: the two clocks, the headline number (customer impact)
// and a summary, written by a language model from the timeline's facts
// (postmortem/openai) or, without one, by timeline's template.
//
// Drafts are asked for inside a command's transaction, by the Hook when an
// incident is resolved and by /incident timeline (Commands), and
// written later by a Worker outside any transaction: each request is
// claimed with a lease and posted once, through the engine and the outbox,
// by whichever replica claims it. What goes to the model passes through a
// redactor (NewRedactor) first; a model that fails or is slow gives the
// template summary, and the channel is told so.
//
// postmortem is a feature package, a peer of actions and checkin: it may
// import timeline, the domain (incident), the engine (bot), storage and the
// leaf utilities under internal/; never a chat adapter, the report pages
// (timeline/web: it reads through the EventLister it declares) nor the
// composition root.
package postmortem
