package bot

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// CommandSpec is one /incident command, as the feature that owns it
// declares it: its name, its arguments, who sees it, what incident it needs
// and its handler. The engine is built from a list of them (Options.Commands)
// and never changes afterwards; help, the typed-line parser and the
// platforms' command menus (Discord's /incident subcommands) are all read
// from the same values, so a command is described once.
type CommandSpec struct {
	// Name is the word that invokes it: a lower-case word ("fail-forward").
	Name string
	// Aliases are other words for it ("close" for resolve); help does not
	// list them, the parser and the suggestions know them.
	Aliases []string
	// Summary is the help line: what the command does, in plain words.
	Summary string
	// Brief is the one-line description a command menu shows (Discord's
	// subcommand description, at most 100 characters).
	Brief string
	// Usage is the arguments part of the usage line ("[here] [private]
	// [sev1..sev4] <title>"). Empty: generated from Args (see Usage).
	Usage string
	// Args are the arguments, in the order a typed line gives them. Their
	// names are the keys a form's fields and Discord's typed options use.
	Args []Arg
	// Shown says whether help, the suggestions and the command menus
	// offer it (Listed), or only buttons send it (ButtonsOnly).
	Shown Visibility
	// Section is where help lists it (Listed commands only).
	Section Section
	// Needs is the incident the command needs (NoIncident, OpenIncident,
	// AnyIncident) or that it needs nothing stored at all (Nothing).
	Needs Need
	// Parse, when set, reads the arguments of a typed line ("sev1 Checkout
	// errors" for declare) instead of the generic reader, for a grammar
	// the Args alone cannot say (flags that count only before a severity,
	// resolve's --request of its button). It checks each value with the
	// same validators (ReadArg) and returns the values by argument name.
	Parse func(rest string) (Values, error)
	// Handle runs the command inside its unit of work.
	Handle HandlerFunc
}

// Values are a command's argument values by name, as read and checked: the
// value a Command's accessors return (string, incident.Severity, Mention,
// incident.TimeSpec, []string, int or bool, by the argument's kind).
type Values map[string]any

// Visibility says where a command is offered.
type Visibility int

const (
	// Listed commands are in help, in the suggestions for a mistyped
	// word and in the platforms' command menus.
	Listed Visibility = iota
	// ButtonsOnly commands are sent by the bot's own buttons ("answer 12
	// yes"); they can be typed, but are offered nowhere.
	ButtonsOnly
)

// Need is what a command needs to run.
type Need int

const (
	// NoIncident: the command is about no incident (declare, list); it
	// runs in a unit of work of its own.
	NoIncident Need = iota
	// OpenIncident: the incident of the channel (or the key named before
	// the command), loaded and locked; refused once it is resolved.
	OpenIncident
	// AnyIncident: like OpenIncident, but a resolved incident is fine
	// (status, note, timeline).
	AnyIncident
	// Nothing: the command reads and writes nothing stored (help), so it
	// runs outside any transaction and works while the store is down.
	Nothing
)

// needsIncident reports whether a command with n gets tx.Incident.
func (n Need) needsIncident() bool { return n == OpenIncident || n == AnyIncident }

// Section is where help lists a command: section by section in this order,
// and within a section in the order the commands were given to the engine.
// It lets each feature keep its own list while help reads as one story:
// open an incident, run it, record the clocks, mitigate, look, close.
type Section int

// Help sections, in the order help lists them.
const (
	SectionIncidents  Section = iota // declare, list
	SectionSettings                  // severity, lead, roles, title
	SectionRecord                    // updates and notes
	SectionClocks                    // impact and cause
	SectionMitigation                // services, actions, running them
	SectionReports                   // status, timeline
	SectionClosing                   // resolve
	SectionHelp                      // help
)

// Arg is one argument of a command.
type Arg struct {
	// Name is the argument's key: in Values, in a form's fields, and as a
	// typed option's name ("title", "user"): lower case, digits and _.
	Name string
	// Kind says what the value is and which validator checks it.
	Kind ArgKind
	// Help describes it where a platform asks for it (Discord's option
	// description, at most 100 characters).
	Help string
	// Need is Required or Optional.
	Need Presence
	// Input says where the argument is given: on the typed line and as a
	// typed option (AnyInput), only as a typed option or a form field
	// (OptionsOnly), or only by the bot itself (Internal: an adapter's
	// annotation, a button's hidden reference).
	Input Input
	// MaxLen bounds the value where a platform asks for it (Discord's
	// max_length). The engine's own bounds are the validators' (a title's
	// 200 characters) and the typed line's.
	MaxLen int
	// Shape is how the usage line writes the argument ("1-4", "@user",
	// "--ongoing"); empty writes its name.
	Shape string
	// Choices are the words an ArgChoice accepts, lower case.
	Choices []string
	// Missing is the problem a required argument that is absent is
	// reported with ("which severity?"); plain words.
	Missing string
	// Invalid, when set, replaces the validator's problem for a value it
	// refuses (and for words left after the argument); plain words.
	Invalid string
	// Label, when set, names the argument before the problem of a value
	// it refuses ("impact start: …"): for an argument only a form asks
	// for, whose problem must say which field it is about.
	Label string
}

// Presence says whether an argument must be given.
type Presence int

const (
	// Optional arguments may be left out.
	Optional Presence = iota
	// Required arguments must be given.
	Required
)

// Input says where an argument can come from.
type Input int

const (
	// AnyInput: the typed line, a typed option or a form field.
	AnyInput Input = iota
	// OptionsOnly: a typed option or a form field, never the typed line
	// (declare's services and description): not in the usage line.
	OptionsOnly
	// Internal: set by the bot itself (a button's hidden reference, an
	// adapter's annotation of a captured note): shown nowhere.
	Internal
)

// Typed reports whether the argument is read from a typed line.
func (a Arg) Typed() bool { return a.Input == AnyInput }

// Offered reports whether a platform asks people for the argument (a
// typed option, a form field).
func (a Arg) Offered() bool { return a.Input != Internal }

var (
	specNameRe = regexp.MustCompile(`^[a-z?][a-z0-9_-]*$`)
	argNameRe  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// check reports what is wrong with a spec, if anything.
func (s CommandSpec) check() error {
	var errs []error
	if !specNameRe.MatchString(s.Name) {
		errs = append(errs, fmt.Errorf("name %q: want a lower-case word", s.Name))
	}
	if s.Handle == nil {
		errs = append(errs, errors.New("no handler"))
	}
	listed := s.Shown == Listed
	if listed && strings.TrimSpace(s.Summary) == "" {
		errs = append(errs, errors.New("a listed command needs a summary for help"))
	}
	if listed && !menuText(s.Brief) {
		errs = append(errs, fmt.Errorf("a listed command needs a brief of 1 to %d characters for command menus", maxMenuText))
	}
	seen := map[string]bool{}
	rest := ""
	for _, a := range s.Args {
		if !argNameRe.MatchString(a.Name) {
			errs = append(errs, fmt.Errorf("argument %q: want a lower-case name", a.Name))
		}
		if seen[a.Name] {
			errs = append(errs, fmt.Errorf("argument %q twice", a.Name))
		}
		seen[a.Name] = true
		if a.Kind == ArgChoice && len(a.Choices) == 0 {
			errs = append(errs, fmt.Errorf("argument %q: a choice without choices", a.Name))
		}
		if listed && a.Offered() && !menuText(a.Help) {
			errs = append(errs, fmt.Errorf("argument %q: a command menu needs its help, 1 to %d characters", a.Name, maxMenuText))
		}
		if !a.Typed() || s.Parse != nil {
			continue
		}
		if rest != "" {
			errs = append(errs, fmt.Errorf("argument %q comes after %q, which takes the rest of the line", a.Name, rest))
		}
		if a.Kind.takesRest() {
			rest = a.Name
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("command %q: %w", s.Name, err)
	}
	return nil
}

// maxMenuText is the longest description a command menu shows (Discord's
// limit for a subcommand's and an option's).
const maxMenuText = 100

// menuText reports whether s fits a command menu's description.
func menuText(s string) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	return n >= 1 && n <= maxMenuText
}

// UsageLine is the command's usage line: "/incident sev <1-4>".
func (s CommandSpec) UsageLine() string {
	return strings.TrimSpace("/incident " + s.Name + " " + s.usageArgs())
}

// usageArgs is the arguments part of the usage line: Usage, or each typed
// argument as its Shape (or name), in <> when required and [] when not; a
// choice as its choices ("yes|partial|no").
func (s CommandSpec) usageArgs() string {
	if s.Usage != "" {
		return s.Usage
	}
	var parts []string
	for _, a := range s.Args {
		if !a.Typed() {
			continue
		}
		shape := a.Shape
		if shape == "" {
			shape = a.Name
		}
		switch {
		case a.Kind == ArgChoice && shape == a.Name:
			shape = strings.Join(a.Choices, "|")
			if a.Need == Optional {
				shape = "[" + shape + "]"
			}
		case a.Kind == ArgFlag || a.Need == Optional:
			shape = "[" + shape + "]"
		default:
			shape = "<" + shape + ">"
		}
		parts = append(parts, shape)
	}
	return strings.Join(parts, " ")
}

// arg is the argument named name.
func (s CommandSpec) arg(name string) (Arg, bool) {
	for _, a := range s.Args {
		if a.Name == name {
			return a, true
		}
	}
	return Arg{}, false
}
