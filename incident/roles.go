package incident

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// RolePrefix starts a rule that names an incident role configured beside
// lead and declarer: "role:comms" allows whoever holds comms on the
// incident.
const RolePrefix = "role:"

// KindRoleAssigned records that an incident role changed hands (or was
// cleared). Its text is "comms → ana"; its data holds "role", and "from"
// and "to" as user references, "" for nobody.
const KindRoleAssigned Kind = "role_assigned"

// Errors of role changes.
var (
	ErrBadRoleName    = errors.New("is not a role name")
	ErrSameRoleHolder = errors.New("that person holds the role already")
	ErrRoleNotHeld    = errors.New("nobody holds that role")
)

// MaxRoleNameLen bounds a role name: it is typed in /incident role and
// shown as a label on the card.
const MaxRoleNameLen = 32

var roleNameRe = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// ParseRoleName checks a role name as configured and typed: one lower-case
// word (letters, digits, - and _, starting with a letter), at most
// MaxRoleNameLen long, and not lead or declarer, which are built in and
// mean something else. It accepts upper case as typed and returns the
// name lower-cased.
func ParseRoleName(s string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	switch {
	case n == RoleLead || n == RoleDeclarer:
		return "", fmt.Errorf("%q %w: lead and declarer are built in (use /incident lead)", s, ErrBadRoleName)
	case len(n) > MaxRoleNameLen || !roleNameRe.MatchString(n):
		return "", fmt.Errorf("%q %w: want one lower-case word of letters, digits, - or _ (at most %d), like comms", s, ErrBadRoleName, MaxRoleNameLen)
	}
	return n, nil
}

// RoleHolder is who holds role on the incident, the zero Actor for nobody.
func (i *Incident) RoleHolder(role string) Actor { return i.Roles[role] }

// HoldsRole reports whether a holds role on the incident, by platform and
// immutable ID.
func (i *Incident) HoldsRole(role string, a Actor) bool {
	h, ok := i.Roles[role]
	return ok && h.Same(a)
}

// HeldRoles lists the roles somebody holds, in name order.
func (i *Incident) HeldRoles() []string {
	return slices.Sorted(maps.Keys(i.Roles))
}

// AssignRole gives role to who, or takes it from whoever holds it when who
// is the zero Actor. Which roles exist and who may change them are the
// caller's rules; the event records who changed it from whom to whom.
func (i *Incident) AssignRole(at time.Time, by Actor, role string, who Actor) (Event, error) {
	if err := i.mustBeOpen(); err != nil {
		return Event{}, err
	}
	role, err := ParseRoleName(role)
	if err != nil {
		return Event{}, err
	}
	prev, held := i.Roles[role]
	switch {
	case who.IsZero() && !held:
		return Event{}, ErrRoleNotHeld
	case held && prev.Same(who):
		return Event{}, ErrSameRoleHolder
	}
	from := ""
	if held {
		from = prev.Ref()
	}
	to := ""
	if who.IsZero() {
		delete(i.Roles, role)
	} else {
		who.Name = CleanText(who.Name, SingleLine)
		if i.Roles == nil {
			i.Roles = map[string]Actor{}
		}
		i.Roles[role] = who
		to = who.Ref()
	}
	// The text reads on a timeline line: "comms → ana", "comms → nobody".
	text := role + " → " + who.Display()
	if len(i.Roles) == 0 {
		i.Roles = nil
	}
	return NewEvent(at, KindRoleAssigned, by, text, map[string]any{"role": role, "from": from, "to": to}), nil
}
