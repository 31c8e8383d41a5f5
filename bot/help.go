package bot

import "context"

// helpCommand is "help [command]": every listed command, or one's usage.
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
			return helpReply(c), nil
		},
	}
}

func helpReply(cmd Command) Reply {
	if cmd.Text != "" {
		name := cmd.Text
		if a, ok := aliases[name]; ok {
			name = a
		}
		if u := Usage(name); u != "" {
			return TextReply("Usage: `%s`", u)
		}
	}
	return TextReply("%s", HelpText())
}

// HelpCommands lists the commands /incident help shows, in its order: what
// a platform's own command menu (Discord's registered subcommands) must
// offer too.
func HelpCommands() []string {
	out := make([]string, 0, len(usage))
	for _, u := range usage {
		out = append(out, u.name)
	}
	return out
}
