package bot

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
