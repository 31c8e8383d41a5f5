package bot

import (
	"errors"
	"strings"

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
// go through this: they pass the title and the flags as structured fields
// (FieldTitle, FieldHere, FieldPrivate, FieldSeverity).
const DeclareFlagsRule = "`here` and `private` count only before a severity (`/incident declare here sev2 Checkout errors`) or alone (`/incident declare here` asks for the title); otherwise they are part of the title."

// declareFlags are the words a declaration may start with.
const (
	flagHere    = "here"
	flagPrivate = "private"
)

// parseDeclare reads the flags and the title of a typed declaration (see
// DeclareFlagsRule). Without a title it returns the flags read and a
// *UsageError asking for one (DeclareWithoutTitle tells that case apart).
func parseDeclare(c Command, rest string) (Command, error) {
	flags, title, err := splitDeclare(c, rest)
	if err != nil {
		return c, err
	}
	if title == "" {
		e := usageErr(CmdDeclare, "give the incident a title, like `/incident declare sev1 Checkout errors`")
		e.noTitle = true
		return flags, e
	}
	flags.Text = plainMentions(title)
	return flags, nil
}

// splitDeclare splits the leading flags of a declaration from its title:
// "here" and "private" (each at most once, in either order), then a
// severity. The severity ends the flags. Without one, the flags are kept
// only when nothing follows them; otherwise c comes back unchanged with
// all of rest as the title.
func splitDeclare(c Command, rest string) (Command, string, error) {
	f, r := c, rest
	for {
		w, next := nextWord(r)
		lw := strings.ToLower(w)
		switch {
		case lw == flagHere && !f.Here:
			f.Here = true
		case lw == flagPrivate && !f.Private:
			f.Private = true
		case sevWordRe.MatchString(lw):
			sev, err := incident.ParseSeverity(lw)
			if err != nil {
				return c, "", usageErr(CmdDeclare, "%q is not a severity: use sev1 to sev4", w)
			}
			f.Severity = sev
			return f, next, nil
		case r == "":
			return f, "", nil
		default:
			return c, rest, nil
		}
		r = next
	}
}

// DeclareWithoutTitle reports whether line is a declaration with no title
// ("declare", "declare here", "declare private sev1"), and returns it with
// the flags it has: a platform with a declare form opens it, prefilled. A
// declaration naming an incident key ("INC-7 declare") is not one.
func DeclareWithoutTitle(line string) (Command, bool) {
	c, err := Parse(line)
	var ue *UsageError
	if c.Name != CmdDeclare || c.Incident != "" || !errors.As(err, &ue) || !ue.noTitle {
		return Command{}, false
	}
	return c, true
}

// parseFormDeclare parses a declaration whose title came in a form field:
// the text may hold the command and flags (kept for adapters that still
// send "declare here sev1"), never a title, since the title field is the
// title. The flags of the fields are added by the handler.
func parseFormDeclare(text string) (Command, error) {
	c, err := Parse(text)
	var ue *UsageError
	switch {
	case c.Name != CmdDeclare:
		return c, err
	case errors.As(err, &ue) && ue.noTitle:
		return c, nil
	case err != nil:
		return c, err
	}
	return c, usageErr(CmdDeclare, "the form gave the title; its command line must not say %q", c.Text)
}

// fieldSet reports whether a form's flag field is on.
func fieldSet(fields map[string]string, name string) bool {
	switch strings.ToLower(strings.TrimSpace(fields[name])) {
	case "true", "1", "yes", "on", name:
		return true
	}
	return false
}

// flagHint is the reply's hint when a title starts with a word that is a
// flag elsewhere: the person may have meant the flag.
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
