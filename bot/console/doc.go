// Package console is Tourniquet's terminal chat adapter: it lets anyone run
// the whole incident flow in a terminal, with no Slack or Discord account.
// `tourniquet serve` attaches it when no chat platform is configured.
//
// # Session
//
// Run reads lines from its input. A line starting with "/incident" (or
// "incident") goes to the engine exactly as a Slack slash command would,
// typed by the current console user in the current channel. Besides that
// the terminal knows a few commands of its own:
//
//	<number>             click the button shown with that number
//	/join INC-7 | lobby  switch channel (also "#inc-7-…" or "7")
//	/as <name>           act as console user console:<name> ("/as" alone: who am I)
//	/channels            list the channels opened in this session
//	/help                this list
//	/quit                leave (so does end of input, Ctrl-D)
//
// Blank lines are ignored; anything else gets a one-line hint.
//
// # At a terminal
//
// When Run's input and Options.Out are both terminals, a person is
// typing, and Run reads through a line editor (github.com/chzyer/readline):
// arrow keys and Emacs keys edit the line, arrow-up and arrow-down walk
// the history, Ctrl-R searches it backwards, Ctrl-C drops the line being
// typed (on an empty line it leaves, as /quit does), Ctrl-D leaves. The
// lines typed at the channel prompt are kept in Options.History, so the
// next session recalls them; answers to confirmations are not kept.
// Anything printed while the person types (a check-in fired by a timer)
// goes through the editor: above the prompt, with what was typed drawn
// again below it, never inside it. The bot's logs share that screen
// when they go to stderr, so `tourniquet serve` sends them to a file in
// such a session (see cmd/tourniquet).
//
// Piped input (or output that is not a terminal) is read line by line as
// it always was: no editor, no history, and the transcript is the same
// byte for byte.
//
// # Channels and users
//
// The session starts in the channel "lobby". Declaring an incident there
// opens a virtual channel whose ID is the incident key ("INC-7"); it is
// announced as "── #inc-7-checkout-errors opened for INC-7 ──" and, since
// the declarer is invited, the session moves into it. Users are
// console:<name>; permissions go by that ID, so "/as bob" shows what
// someone who is neither lead nor declarer may do.
//
// # Output
//
// Every message is rendered with Render. A message for a channel other
// than the current one is prefixed with that channel, "[INC-3] …". Replies
// to commands and ephemeral messages are private and prefixed
// "(only you)"; refusals and malformed commands are shown as errors (red
// with colour). Each post gets an ID of the form m-<n>.<session>: the
// session part keeps the message references the store keeps across
// restarts from ever naming a message of a later run.
//
// Buttons are numbered across the whole session and a number is never
// reused, so a number always means one button. A message updated with the
// same buttons keeps its numbers; when its buttons change they are
// renumbered and the old numbers stop working ("that button is gone"). A
// button with a confirmation asks "<title>: <text> [y/N]" (no colon after
// a title that ends in "?", "!" or ".") on the same input and is clicked
// only on "y" or "yes"; "n", "no", an empty line or Ctrl-C leave it. Any
// other answer is not an answer: the button is not clicked ("Not
// clicked: [4] …") and the line runs as the command it is, shown after
// the channel prompt, so typing /incident status at a question never
// loses it. A click goes to the engine as source "button", in the
// channel where the button was shown.
//
// The incident card is updated after every command, so updates are kept
// compact: an update that leaves the buttons as they were prints one line,
// "↻ <header> — <changed fields>" (or its fallback text when no field
// changed); an update that changes the buttons reprints the whole message,
// its first line marked "↻". An update of a message this session never saw
// (posted by an earlier run) is printed in full. A topic is printed as one
// dim line, and only when it changes.
//
// # Prompt, echo and determinism
//
// The prompt is always shown, as one short line naming the channel,
// "lobby> " or "INC-2> " (with "bob@" in front while acting as someone
// else), so piped transcripts stay readable. With Options.Echo the adapter
// also writes each input line after the prompt, which makes a transcript
// of piped input read like the session it was (at a terminal the line
// editor echoes).
//
// Messages reach the adapter through the outbox Sender, asynchronously.
// After every line that ran a command, Run calls Options.Flush (the
// Sender's Drain) and then waits, briefly and boundedly, until the outbox
// holds nothing undelivered for the console, so the output of a command is
// printed before the next prompt and piped sessions are deterministic.
// Output that arrives while the prompt is waiting for input (a check-in
// fired by a timer) is printed on its own line and the prompt repeated
// (at a terminal, with what was typed so far).
//
// The adapter never sees a secret: it prints only chat messages, channel
// names and the engine's errors.
package console

// Platform is this adapter's name: it prefixes the users and channels
// it knows ("console:…") and names it in the outbox and the logs.
const Platform = "console"
