package bot

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// An invocation becomes a Command here, by the engine's commands: a typed
// line is split into the incident key, the command word and the rest,
// which the command's Parse or the generic reader (readLine) turns into
// values; a structured invocation (a form, typed options) gives the values
// by name (readNamed). Both check every value with its argument's
// validator (ReadArg), so a title, a service name or a time is refused
// with the same words whichever way it came.

// Parse reads one command line, with or without the leading "/incident",
// by the engine's commands. A malformed line gives a *UsageError naming
// the problem and the usage line of the command that was meant.
func (e *Engine) Parse(line string) (Command, error) {
	_, c, err := e.readLine(line)
	return c, err
}

// splitLine cuts a command line into the incident key it names (upper
// case, or ""), the command word as typed, and the rest.
func splitLine(line string) (key, word, rest string, err error) {
	if len(line) > maxCommandLen {
		return "", "", "", &UsageError{Problem: fmt.Sprintf("that command is too long (%d characters; at most %d)", len(line), maxCommandLen), Usage: "/incident help"}
	}
	line = strings.TrimSpace(strings.ToValidUTF8(line, "\uFFFD"))
	if r, ok := cutWord(line, "/incident"); ok {
		line = r
	}
	word, rest = nextWord(line)
	if keyRe.MatchString(word) {
		key = strings.ToUpper(word)
		word, rest = nextWord(rest)
	}
	if word == "" {
		return key, "", "", &UsageError{Problem: "say what to do: try `/incident declare sev2 Checkout errors`", Usage: "/incident help"}
	}
	return key, word, rest, nil
}

// readLine reads a command line into its command's spec and a Command.
func (e *Engine) readLine(line string) (CommandSpec, Command, error) {
	key, word, rest, err := splitLine(line)
	if err != nil {
		return CommandSpec{}, Command{}, err
	}
	spec, ok := e.lookup(strings.ToLower(word))
	if !ok {
		return CommandSpec{}, Command{}, e.unknownCommand(word)
	}
	c := Command{Name: spec.Name, Incident: key, typed: true}
	parse := spec.Parse
	if parse == nil {
		parse = func(rest string) (Values, error) { return readArgs(spec, rest) }
	}
	vals, err := parse(rest)
	c.args = vals
	return spec, c, withUsage(spec, err)
}

// readArgs is the generic reader of a typed line: each typed argument in
// the order of the spec, a one-word kind taking one word, a flag its own
// word when it is next, and a text, title, time or services the rest.
func readArgs(s CommandSpec, rest string) (Values, error) {
	vals := Values{}
	all := rest
	var last *Arg // the last one-word argument read
	for i := range s.Args {
		a := &s.Args[i]
		if !a.Typed() {
			continue
		}
		raw := rest
		switch {
		case a.Kind == ArgFlag:
			if w, r := nextWord(rest); w != "" && strings.EqualFold(w, flagWord(*a)) {
				vals[a.Name], rest = true, r
			}
			continue
		case a.Kind.takesRest():
			rest = ""
		default:
			raw, rest = nextWord(rest)
			last = a
		}
		if err := readInto(vals, s, *a, raw); err != nil {
			return vals, err
		}
	}
	if rest == "" {
		return vals, nil
	}
	switch {
	case last == nil:
		return vals, problemf("`%s` takes no arguments", s.Name)
	case last.Invalid != "":
		return vals, problem(Plain(last.Invalid))
	}
	return vals, problemf("`%s` takes one %s, not %q", s.Name, last.Kind.noun(), all)
}

// flagWord is the word that sets a flag on a typed line: its Shape
// ("--ongoing") or its name.
func flagWord(a Arg) string {
	if a.Shape != "" {
		return a.Shape
	}
	return a.Name
}

// readInto checks raw with a's validator and stores the value in vals. An
// empty value leaves the argument out, or is the problem a.Missing when
// it is required.
func readInto(vals Values, s CommandSpec, a Arg, raw string) error {
	v, err := ReadArg(a, raw)
	switch {
	case errors.Is(err, ErrNoValue) && a.Need == Required:
		return missing(a)
	case errors.Is(err, ErrNoValue):
		return nil
	case err != nil:
		return refused(s, a, raw, err)
	}
	vals[a.Name] = v
	return nil
}

// missing is the problem of a required argument that is absent.
func missing(a Arg) *UsageError {
	if a.Missing != "" {
		return problem(Plain(a.Missing))
	}
	return problemf("say the %s", strings.ReplaceAll(a.Name, "_", " "))
}

// refused is the problem of a value a's validator refused.
func refused(s CommandSpec, a Arg, raw string, err error) *UsageError {
	switch {
	case a.Invalid != "":
		return problem(Plain(a.Invalid))
	case a.Kind == ArgPage:
		return problemf("%q is not a page number: `%s 2` shows the second page", strings.TrimSpace(raw), s.Name)
	case a.Label != "":
		return problemf("%s: %s", a.Label, err.Error())
	}
	return problem(Plain(err.Error()))
}

// withUsage adds the usage line of s to a problem reading it; any other
// error becomes one.
func withUsage(s CommandSpec, err error) error {
	if err == nil {
		return nil
	}
	var ue *UsageError
	if !errors.As(err, &ue) {
		ue = problem(Plain(err.Error()))
	}
	ue.Command = s.Name
	if ue.Usage == "" {
		ue.Usage = s.UsageLine()
	}
	return ue
}

// readStructured builds the Command of a structured invocation: the
// command it names, the incident key it names, and every argument from
// inv.Args.
func (e *Engine) readStructured(inv Invocation) (CommandSpec, Command, error) {
	name := strings.ToLower(strings.TrimSpace(inv.Command))
	spec, ok := e.lookup(name)
	if !ok {
		return CommandSpec{}, Command{}, e.unknownCommand(name)
	}
	c := Command{Name: spec.Name, args: Values{}}
	if key := strings.TrimSpace(inv.Incident); key != "" {
		if !keyRe.MatchString(key) {
			return spec, c, withUsage(spec, problemf("%q is not an incident: name it like INC-7", truncate(key, 40)))
		}
		c.Incident = strings.ToUpper(key)
	}
	return spec, c, withUsage(spec, e.readNamed(spec, c.args, inv.Args))
}

// readNamed checks the values args gives by name (a form's fields, typed
// options) and adds them to vals, then checks that every required
// argument is there.
func (e *Engine) readNamed(s CommandSpec, vals Values, args map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(args)) {
		a, ok := s.arg(name)
		switch {
		case !ok:
			return problemf("`%s` has no option %q", s.Name, truncate(name, 40))
		case has(vals, name):
			return problemf("%q is given twice", name)
		case len(args[name]) > maxCommandLen:
			return problemf("%s is too long (%d characters; at most %d)", name, utf8.RuneCountInString(args[name]), maxCommandLen)
		}
		if err := readInto(vals, s, a, args[name]); err != nil {
			return err
		}
	}
	for _, a := range s.Args {
		if !has(vals, a.Name) && a.Need == Required {
			return missing(a)
		}
	}
	return nil
}

// has reports whether vals holds name.
func has(vals Values, name string) bool {
	_, ok := vals[name]
	return ok
}

// read turns an invocation into its command's spec and a Command: a typed
// line (with a form's answers in Args, for a button that opened one), or a
// structured invocation.
func (e *Engine) read(inv Invocation) (CommandSpec, Command, error) {
	if inv.Text == "" && inv.Command != "" {
		return e.readStructured(inv)
	}
	spec, c, err := e.readLine(inv.Text)
	if err != nil || len(inv.Args) == 0 {
		return spec, c, err
	}
	if c.args == nil {
		c.args = Values{}
	}
	return spec, c, withUsage(spec, e.readNamed(spec, c.args, inv.Args))
}
