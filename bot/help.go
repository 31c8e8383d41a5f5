package bot

import (
	"context"
	"strings"
)

// helpCommand is "help [command]": every listed command, or one's usage.
// It reads nothing stored, so it answers while the store is down.
func helpCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdHelp,
		Aliases: []string{"?"},
		Summary: "show this help",
		Brief:   "Show the commands",
		Section: SectionHelp,
		Needs:   Nothing,
		Args:    []Arg{{Name: "command", Kind: ArgText, MaxLen: 32, Help: "One command to explain"}},
		Handle: func(ctx context.Context, tx *Tx, c Command) (Reply, error) {
			return tx.engine.help(strings.ToLower(c.Text("command"))), nil
		},
	}
}

// help is the usage line of the command named (or aliased) name, any the
// engine runs, or, for anything else, the list of every command help
// offers.
func (e *Engine) help(name string) Reply {
	if s, ok := e.lookup(name); ok && name != "" {
		return TextReply("Usage: `%s`", s.UsageLine())
	}
	return TextReply("%s", e.HelpText())
}

// HelpText lists every command the engine offers (the Listed ones, in
// help's order) with its usage line and what it does.
func (e *Engine) HelpText() Rich {
	lines := []Rich{Textf("*Tourniquet commands* — mitigation before diagnosis.")}
	for _, s := range e.specs {
		if s.Shown == Listed {
			lines = append(lines, Textf("• `%s` — %s", s.UsageLine(), s.Summary))
		}
	}
	lines = append(lines, Textf("Type a command in an incident's channel to apply it to that incident, or prefix it with the key: `/incident INC-7 status`."))
	return Join("\n", lines...)
}
