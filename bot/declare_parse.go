package bot

import (
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/tourniquet/tourniquet/incident"
)

// DeclareFlagsRule is how a typed declaration is read, for help and docs.
//
// The flags "here" and "private" (in either order), then a severity
// ("sev1".."sev4"), come before the title. "here" and "private" count as
// flags only when a severity follows them ("declare here sev2 Checkout
// errors") or when nothing does ("declare here", which asks for the title: Slack
// opens the declare form). Otherwise every word is the title: "declare
// Here comes trouble" opens a channel for "Here comes trouble". Forms never
// go through this: they give the title and the flags as arguments by name
// (FieldTitle, FieldHere, FieldPrivate, FieldSeverity).
const DeclareFlagsRule = "`here` and `private` count only before a severity (`/incident declare here sev2 Checkout errors`) or alone (`/incident declare here` asks for the title); otherwise they are part of the title."

// declareFlags are the words a declaration may start with.
const (
	flagHere    = "here"
	flagPrivate = "private"
)

// parseDeclare is declare's Parse: it reads the flags and the title of a
// typed declaration (see DeclareFlagsRule), the title through the same
// validator as a form's (ArgTitle). Without a title it returns the flags
// read and a *UsageError asking for one (DeclareWithoutTitle tells that
// case apart).
func parseDeclare(rest string) (Values, error) {
	vals, title, err := splitDeclare(rest)
	if err != nil {
		return vals, err
	}
	if strings.TrimSpace(title) == "" {
		e := problemf("give the incident a title, like `/incident declare sev1 Checkout errors`")
		e.noTitle = true
		return vals, e
	}
	spec := declareCommand()
	a, _ := spec.arg(FieldTitle)
	return vals, readInto(vals, spec, a, title)
}

// splitDeclare splits the leading flags of a declaration from its title:
// "here" and "private" (each at most once, in either order), then a
// severity. The severity ends the flags. Without one, the flags are kept
// only when nothing follows them; otherwise no flag is set and all of
// rest is the title.
func splitDeclare(rest string) (Values, string, error) {
	f, r := Values{}, rest
	for {
		w, next := nextWord(r)
		lw := strings.ToLower(w)
		switch {
		case lw == flagHere && !has(f, FieldHere):
			f[FieldHere] = true
		case lw == flagPrivate && !has(f, FieldPrivate):
			f[FieldPrivate] = true
		case sevWordRe.MatchString(lw):
			sev, err := incident.ParseSeverity(lw)
			if err != nil {
				return Values{}, "", problemf("%q is not a severity: use sev1 to sev4", w)
			}
			f[FieldSeverity] = sev
			return f, next, nil
		case r == "":
			return f, "", nil
		default:
			return Values{}, rest, nil
		}
		r = next
	}
}

// declareWords are declare's name and aliases. Every slash command asks
// (is it a declare that wants the form?): building the whole spec each
// time to find out was most of that question's cost.
var declareWords = sync.OnceValue(func() []string {
	spec := declareCommand()
	return append([]string{spec.Name}, spec.Aliases...)
})

// DeclareWithoutTitle reports whether line is a declaration with no title
// ("declare", "declare here", "declare private sev1"), and returns it with
// the flags it has: a platform with a declare form opens it, prefilled. A
// declaration naming an incident key ("INC-7 declare") is not one.
func DeclareWithoutTitle(line string) (Command, bool) {
	key, word, rest, err := splitLine(line)
	if err != nil || key != "" || !slices.Contains(declareWords(), strings.ToLower(word)) {
		return Command{}, false
	}
	vals, err := parseDeclare(rest)
	var ue *UsageError
	if !errors.As(err, &ue) || !ue.noTitle {
		return Command{}, false
	}
	return Command{Name: CmdDeclare, args: vals, typed: true}, true
}

// flagHint is the reply's hint when a typed title starts with a word that
// is a flag elsewhere: the person may have meant the flag.
func flagHint(title string) Rich {
	first, _ := nextWord(title)
	switch strings.ToLower(first) {
	case flagHere:
		return Textf(" (“%s” is part of the title. To declare in this channel instead, put a severity after the flag: `/incident declare here sev2 <title>`.)", first)
	case flagPrivate:
		return Textf(" (“%s” is part of the title. To declare a private incident, put a severity after the flag: `/incident declare private sev2 <title>`.)", first)
	}
	return nil
}
