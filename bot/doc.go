// Package bot is Tourniquet's platform-neutral engine: the command model,
// the engine's own commands (declare … resolve, help), the message model
// that chat adapters render, and the outbox sender that delivers messages.
//
// A command is a CommandSpec value owned by its feature: name, aliases,
// typed arguments (Arg), help line, who sees it, what incident it needs,
// an optional Parse for an irregular grammar, and its handler. NewEngine
// takes every feature's specs (Options.Commands) and hooks, refuses a name
// claimed twice, and never changes afterwards. Help, the typed-line parser
// and a platform's command menu (Discord's /incident) are generated from
// the specs. A handler reads its arguments by name from the Command
// (c.Text("title"), c.Severity("severity"), c.Flag("here")), each checked
// by one validator per kind (ReadArg) whichever way it came.
//
// Adapters (bot/slack, bot/discord, bot/console) turn what their platform
// receives — a typed command, a button click, a form, typed options — into
// an Invocation and pass it to Engine.Handle: a command line (Text), or a
// structured command (Command and Args) that is never flattened into a
// line. Every way travels the same path; a click is tagged source
// "button". Handle records everything durably in one transaction (the
// state change, its events and the outgoing messages) before it returns
// the short private Reply the adapter shows at once, which says what ran
// (Reply.Command). Slow work (opening channels, posting) happens afterwards
// in the Sender, through the adapter's Deliverer.
package bot
