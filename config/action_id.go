package config

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxActionIDLen caps an action's ID, in bytes. The ID travels in the
// action's button as the command "run <id>" (Discord carries at most 100
// characters in a button, an incident key may be put in front) and is
// typed in /incident run <id>, so it must stay short.
const MaxActionIDLen = 64

// actionIDChars and actionIDStart are what the /incident grammar reads as an ID: letters,
// digits and "_ . : -", starting with a letter or a digit.
var (
	actionIDChars = regexp.MustCompile(`^[A-Za-z0-9_.:-]*$`)
	actionIDStart = regexp.MustCompile(`^[A-Za-z0-9]`)
)

// actionIDProblem says what is wrong with an action ID, "" when nothing
// is. Every ID check-config accepts can be typed in /incident run <id> and
// carried by a button on every platform.
func actionIDProblem(id string) string {
	switch {
	case id == "":
		return "required: every action needs an id"
	case len(id) > MaxActionIDLen:
		return fmt.Sprintf("%q is %d bytes long; at most %d (it travels in the action's button as \"run <id>\")",
			truncateID(id), len(id), MaxActionIDLen)
	case strings.ContainsAny(id, " \t\r\n"):
		return fmt.Sprintf("%q must not contain spaces (it is typed in /incident run <id>)", id)
	case !actionIDChars.MatchString(id):
		return fmt.Sprintf("%q may hold only the characters A-Z a-z 0-9 _ . : - (it is typed in /incident run <id> and carried by a button)", id)
	case !actionIDStart.MatchString(id):
		return fmt.Sprintf("%q must start with a letter or a digit (it is typed in /incident run <id>)", id)
	}
	return ""
}

// truncateID shortens a long ID for a message.
func truncateID(id string) string {
	const show = 24
	if len(id) <= show {
		return id
	}
	return id[:show] + "…"
}
