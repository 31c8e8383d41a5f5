package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/agnivade/levenshtein"
)

// stdio is what a command reads and writes, and the environment it sees.
type stdio struct {
	in          io.Reader
	out, errOut io.Writer
	getenv      func(string) string
}

// command is one subcommand: how it is called, one line saying what it
// does (the list of `tourniquet --help`), a paragraph for its own --help,
// and what it runs.
type command struct {
	name     string
	synopsis string // "migrate [--config FILE]", after "tourniquet "
	summary  string
	about    string
	run      func(ctx context.Context, c command, args []string, o stdio) int
}

// commands are the subcommands, in the order `tourniquet --help` lists
// them. serve is the default. (A function: help refers to the list.)
func commands() []command {
	return []command{
		{name: "serve", synopsis: "[serve] [--config FILE] [--console]", summary: "run the bot (default)", run: cmdServe,
			about: "Run the bot: chat platforms, check-ins, actions, the web pages and the API. With no chat platform\n" +
				"configured (or with --console) the terminal is the chat; a person at a terminal gets line editing\n" +
				"and history, and logs go to a file instead of the screen."},
		{name: "migrate", synopsis: "migrate [--config FILE]", summary: "apply database migrations and exit", run: cmdMigrate,
			about: "Apply the database migrations and exit. serve migrates at start too."},
		{name: "export", synopsis: "export INCIDENT --format json|md", summary: "print one incident's timeline (INC-7 or 7)", run: cmdExport,
			about: "Print one incident's timeline (INCIDENT is INC-7 or 7) as JSON or Markdown. It only reads: the\n" +
				"database is opened read-only and never created or migrated."},
		{name: "readiness", synopsis: "readiness [--config FILE] [--json] [--min-score N]", summary: "how ready each service's safe moves are", run: cmdReadiness,
			about: "Print the readiness of every service: its safe moves and which are missing, whether someone allowed to\n" +
				"run each still exists, whether each integration's credentials work (a read-only preflight, run now),\n" +
				"when each last ran for real and was drilled, and a score (docs/readiness.md). With --min-score it exits\n" +
				"1 when a service scores under N, so CI can gate on it. The database is only read."},
		{name: "check-config", synopsis: "check-config [--config FILE]", summary: "validate the configuration, print every problem", run: cmdCheckConfig,
			about: "Validate the configuration (the file and the environment) and print every problem at once."},
		{name: "change", synopsis: "change record --service S --kind K [--version V] …", summary: "tell a running Tourniquet that a change shipped (for CI)", run: cmdChange,
			about: "Record a deploy, flag flip, config push or infrastructure change with a running Tourniquet\n" +
				"(POST /api/v1/changes with the API token). Incidents of the service list it on their card, with\n" +
				"the action that undoes it. Retried while the server is unreachable; a retry is never a second change."},
		{name: "version", synopsis: "version", summary: "print the version", run: cmdVersion,
			about: "Print the version."},
		{name: "help", synopsis: "help [COMMAND]", summary: "this list, or one command's flags", run: cmdHelp,
			about: "List the commands, or show one command's flags."},
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// printHelp writes the list of commands.
func printHelp(w io.Writer) {
	fmt.Fprintln(w, "Tourniquet, a ChatOps incident bot: mitigation before diagnosis.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.synopsis))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  tourniquet %-*s   %s\n", width, c.synopsis, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "tourniquet <command> --help" for a command's flags.`)
}

// unknown reports a command that does not exist, suggesting the closest
// one when there is one.
func unknown(w io.Writer, name string) int {
	msg := fmt.Sprintf("tourniquet: unknown command %q", name)
	if s := suggest(name); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	fmt.Fprintf(w, "%s\nRun \"tourniquet --help\" to list the commands.\n", msg)
	return 2
}

// suggest returns the command name closest to typed, or "" when none is
// close: one it begins (check → check-config), or one a couple of typos
// away (exprot → export).
func suggest(typed string) string {
	best, bestDist := "", 3
	for _, c := range commands() {
		if len(typed) >= 3 && strings.HasPrefix(c.name, typed) {
			return c.name
		}
		if d := levenshtein.ComputeDistance(typed, c.name); d < bestDist && d <= len(c.name)/2 {
			best, bestDist = c.name, d
		}
	}
	return best
}

// usage writes a command's own help: its synopsis, what it does, and its
// flags.
func (c command) usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: tourniquet %s\n\n%s\n", c.synopsis, c.about)
	if fs == nil {
		return
	}
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if !has {
		return
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// flags returns the command's flag set, with --config.
func (c command) flags() (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("tourniquet "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports problems itself
	fs.Usage = func() {}
	cfgPath := fs.String("config", "", "YAML configuration `file` (default $TOURNIQUET_CONFIG)")
	return fs, cfgPath
}

// parse parses args. --help (-h) prints the command's usage on stdout; a
// bad flag prints the problem and the usage on stderr. When it returns
// done, the command is over and exits with code.
func (c command) parse(fs *flag.FlagSet, args []string, o stdio) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		c.usage(o.out, fs)
		return 0, true
	}
	fmt.Fprintf(o.errOut, "tourniquet %s: %v\n\n", c.name, err)
	c.usage(o.errOut, fs)
	return 2, true
}

func cmdVersion(_ context.Context, c command, args []string, o stdio) int {
	fs := flag.NewFlagSet("tourniquet version", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if code, done := c.parse(fs, args, o); done {
		return code
	}
	fmt.Fprintf(o.out, "tourniquet %s\n", version)
	return 0
}

func cmdHelp(ctx context.Context, _ command, args []string, o stdio) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		printHelp(o.out)
		return 0
	}
	c, ok := lookup(args[0])
	if !ok {
		return unknown(o.errOut, args[0])
	}
	return c.run(ctx, c, []string{"--help"}, o)
}
