package config

import (
	"fmt"

	"github.com/tourniquet/tourniquet/incident"
)

// validateRoles checks the configured incident roles: each a lower-case
// word (incident.ParseRoleName), neither lead nor declarer (built in), and
// named once. They are typed in /incident role and referred to as
// role:<name>, so a name must read the same everywhere.
func (l *loader) validateRoles(roles []string) {
	seen := map[string]int{}
	for i, r := range roles {
		key := fmt.Sprintf("roles[%d]", i)
		name, err := incident.ParseRoleName(r)
		switch {
		case err != nil:
			l.fail(key, err.Error())
		case name != r:
			l.fail(key, fmt.Sprintf("%q: write role names in lower case (%s)", r, name))
		default:
			if first, dup := seen[name]; dup {
				l.fail(key, fmt.Sprintf("duplicate role %q (also roles[%d])", name, first))
			} else {
				seen[name] = i
			}
		}
	}
}
