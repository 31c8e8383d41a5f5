// Package bot is Tourniquet's platform-neutral engine: the /incident command
// grammar, the handlers that apply commands to incidents, the message model
// that chat adapters render, and the outbox sender that delivers messages.
//
// Adapters (bot/slack, bot/discord, bot/console) turn what their platform
// receives — a typed command or a button click — into an Invocation and pass
// it to Engine.Handle. Both travel the same path; a click is tagged
// source "button". Handle records everything durably in one transaction
// (the state change, its events and the outgoing messages) before it
// returns the short private Reply the adapter shows at once. Slow work
// (opening channels, posting) happens afterwards in the Sender, through
// the adapter's Deliverer.
package bot
