package bot

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/tourniquet/tourniquet/incident"
)

// Names of the engine's own commands (Commands). The features name theirs
// (actions.CmdRun, checkin.CmdAnswer, postmortem.CmdTimeline).
const (
	CmdDeclare       = "declare"
	CmdList          = "list"
	CmdSev           = "sev"
	CmdLead          = "lead"
	CmdRole          = "role"
	CmdRename        = "rename"
	CmdUpdate        = "update"
	CmdNote          = "note"
	CmdMitigated     = "mitigated"
	CmdRegressed     = "regressed"
	CmdDiagnosed     = "diagnosed"
	CmdFailForward   = "fail-forward"
	CmdImpactStarted = "impact-started"
	CmdServices      = "services"
	CmdActions       = "actions"
	CmdStatus        = "status"
	CmdResolve       = "resolve"
	CmdHelp          = "help"
)

// Command is one command as the engine read and checked it: its name, the
// incident it names, and its arguments by name, each through its
// argument's validator whichever way it came (a typed line, a form, a
// platform's typed options). A handler reads them with the typed
// accessors below; a new command adds arguments to its own spec, never a
// field here.
type Command struct {
	// Name is the command's name (an alias is read as its command).
	Name string
	// Incident is the key named before the command ("/incident INC-7
	// status"), or by a typed option; empty means the channel's incident.
	Incident string

	args Values
	// typed says the command was read from a command line (typed, or a
	// button's), not built from a form's fields or typed options.
	typed bool
}

// Has reports whether the argument name was given.
func (c Command) Has(name string) bool {
	_, ok := c.args[name]
	return ok
}

// Text is a text, title, word, ID or choice argument; "" when absent.
// Free text has its mention tokens as the plain names they show ("@ana").
func (c Command) Text(name string) string {
	v, _ := c.args[name].(string)
	return v
}

// Severity is a severity argument; "" when absent.
func (c Command) Severity(name string) incident.Severity {
	v, _ := c.args[name].(incident.Severity)
	return v
}

// User is a user argument; the zero Mention when absent.
func (c Command) User(name string) Mention {
	v, _ := c.args[name].(Mention)
	return v
}

// Time is a time argument (when impact started); the zero TimeSpec
// (now) when absent.
func (c Command) Time(name string) incident.TimeSpec {
	v, _ := c.args[name].(incident.TimeSpec)
	return v
}

// Services is a list of service names; nil when absent.
func (c Command) Services(name string) []string {
	v, _ := c.args[name].([]string)
	return v
}

// Number is a page number; 0 when absent.
func (c Command) Number(name string) int {
	v, _ := c.args[name].(int)
	return v
}

// Flag is a flag; false when absent.
func (c Command) Flag(name string) bool {
	v, _ := c.args[name].(bool)
	return v
}

// Typed reports whether the command was read from a command line (typed,
// or carried by a button) rather than built from a form's fields or a
// platform's typed options: a typed title may hold a word that was meant
// as a flag, a form's never does.
func (c Command) Typed() bool { return c.typed }

// Mention is a user named in a command: a platform mention (<@U123>), an
// explicit reference (slack:U123) or a bare @name (terminal).
type Mention struct {
	// Platform is empty when the mention is in the invoker's platform.
	Platform string
	ID       string
	Name     string
}

// actor is the person m names, on platform when m names none; a mention
// of the invoker keeps the invoker's name.
func (m Mention) actor(platform string, invoker incident.Actor) incident.Actor {
	a := incident.Actor{Platform: m.Platform, ID: m.ID, Name: m.Name}
	if a.Platform == "" {
		a.Platform = platform
	}
	if a.Name == "" && a.Same(invoker) {
		a.Name = invoker.Name
	}
	return a
}

var (
	keyRe     = regexp.MustCompile(`^(?i)inc-\d{1,18}$`)
	mentionRe = regexp.MustCompile(`^<@!?([A-Za-z0-9]+)(?:\|([^>]*))?>$`)
	idRe      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$`)
	// sevWordRe is a word meant as a severity in a declaration ("sev1",
	// "SEV9"), as opposed to a title that starts with "Several…".
	sevWordRe = regexp.MustCompile(`^sev-?\d+$`)
)

// maxCommandLen bounds a command line, and each value of a structured
// invocation; longer input is refused.
const maxCommandLen = 4000

func parseMention(w string) (Mention, bool) {
	if m := mentionRe.FindStringSubmatch(w); m != nil {
		return Mention{ID: m[1], Name: incident.CleanText(m[2], incident.SingleLine)}, true
	}
	if p, id, ok := strings.Cut(w, ":"); ok {
		if a, err := incident.ParseUserRef(p + ":" + id); err == nil {
			return Mention{Platform: a.Platform, ID: a.ID}, true
		}
		return Mention{}, false
	}
	if n, ok := strings.CutPrefix(w, "@"); ok && idRe.MatchString(n) {
		return Mention{ID: n, Name: n}, true
	}
	return Mention{}, false
}

// nextWord splits off the first whitespace-separated word.
func nextWord(s string) (string, string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// cutWord removes word from the front of s when s starts with it as a
// whole word (case-insensitive).
func cutWord(s, word string) (string, bool) {
	w, rest := nextWord(s)
	if strings.EqualFold(w, word) {
		return rest, true
	}
	return s, false
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
