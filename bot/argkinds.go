package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/tourniquet/tourniquet/incident"
)

// ArgKind is what an argument's value is: it picks the validator that
// checks the value, whether it came typed on a line, from a form's field
// or as a platform's typed option, and the value's Go type in Values.
type ArgKind int

// Argument kinds. The first four take the rest of a typed line; the
// others one word (a flag: its own word, when present).
const (
	// ArgText is free text (an update, a note, a reason): mention tokens
	// become the plain names they show. A string.
	ArgText ArgKind = iota
	// ArgTitle is an incident title: one line of at most
	// incident.MaxTitleLen characters. A string.
	ArgTitle
	// ArgTime is when impact started: RFC3339, HH:MM or -15m, with an
	// optional trailing "force". An incident.TimeSpec.
	ArgTime
	// ArgServices is a list of service names, separated by spaces or
	// commas, each as incident.ParseServiceName accepts it. A []string.
	ArgServices
	// ArgWord is one word, as given. A string.
	ArgWord
	// ArgID is one identifier: letters, digits and _ . : - (an action, a
	// run, a check-in). A string.
	ArgID
	// ArgChoice is one of the argument's Choices, lower case. A string.
	ArgChoice
	// ArgUser is a person: a platform mention, slack:U1, or @name. A
	// Mention.
	ArgUser
	// ArgSeverity is sev1..sev4 (or 1..4). An incident.Severity.
	ArgSeverity
	// ArgPage is a page number from 1 to 10000. An int.
	ArgPage
	// ArgFlag is a switch: on a typed line its own word (its Shape or
	// name), from a form or an option true/false. A bool.
	ArgFlag
)

// takesRest reports whether a value of the kind is the rest of a typed
// line rather than one word.
func (k ArgKind) takesRest() bool { return k <= ArgServices }

// noun is what a one-word argument of the kind is, for "takes one …".
func (k ArgKind) noun() string {
	switch k {
	case ArgUser:
		return "person"
	case ArgSeverity:
		return "severity"
	case ArgPage:
		return "page number"
	case ArgID:
		return "ID"
	}
	return "word"
}

// maxPage bounds a page number: no list has ten thousand pages.
const maxPage = 10000

// ErrNoValue is ReadArg's answer to a value that says nothing (empty, or
// "," for services): the argument counts as absent, and a required one is
// reported as missing rather than as wrong.
var ErrNoValue = errors.New("no value")

// ReadArg checks one argument's value with its kind's validator, the one
// every path uses (a typed line, a form's field, a typed option, a
// feature's own Parse), and returns it as Values holds it. The error is
// the problem in plain words; ErrNoValue when the value says nothing.
func ReadArg(a Arg, raw string) (any, error) {
	s := strings.TrimSpace(raw)
	if s == "" && a.Kind != ArgFlag {
		return nil, ErrNoValue
	}
	switch a.Kind {
	case ArgText:
		return plainMentions(s), nil
	case ArgTitle:
		return incident.ParseTitle(plainMentions(s))
	case ArgTime:
		return incident.ParseTimeSpec(s)
	case ArgServices:
		return parseServices(s)
	case ArgWord:
		return s, nil
	case ArgID:
		if !idRe.MatchString(s) {
			return nil, fmt.Errorf("%q is not an ID", s)
		}
		return s, nil
	case ArgChoice:
		v := strings.ToLower(s)
		for _, c := range a.Choices {
			if v == c {
				return v, nil
			}
		}
		return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(a.Choices, ", "))
	case ArgUser:
		m, ok := parseMention(s)
		if !ok {
			return nil, fmt.Errorf("%q is not a user: mention them like @name", s)
		}
		return m, nil
	case ArgSeverity:
		sev, err := incident.ParseSeverity(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a severity: use 1, 2, 3 or 4 (sev1 is the worst)", s)
		}
		return sev, nil
	case ArgPage:
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > maxPage {
			return nil, fmt.Errorf("%q is not a page number", s)
		}
		return p, nil
	case ArgFlag:
		return flagValue(s, a), nil
	}
	return nil, fmt.Errorf("argument %q has an unknown kind", a.Name)
}

// flagValue reads a flag from a form or an option: on for true, 1, yes,
// on or the flag's own word; anything else is off.
func flagValue(s string, a Arg) bool {
	switch v := strings.ToLower(s); v {
	case "true", "1", "yes", "on", a.Name, strings.ToLower(a.Shape):
		return v != ""
	}
	return false
}

// parseServices reads service names separated by spaces or commas.
func parseServices(s string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		n, err := incident.ParseServiceName(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, ErrNoValue
	}
	return out, nil
}
