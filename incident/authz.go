package incident

import "strings"

// Role names that rules may use besides user references and groups.
const (
	RoleLead     = "lead"
	RoleDeclarer = "declarer"
)

// Groups maps a group name to the user references ("slack:U1") in it.
type Groups map[string][]string

// Allowed reports whether actor may do something guarded by rules on inc.
// A rule is a user reference ("slack:U0123ABCD"), a role ("lead",
// "declarer", or a configured one as "role:comms") or a group
// ("group:sre"). Matching uses only the platform and
// immutable user ID, never the display name. No rules means nobody: denied
// by default.
func Allowed(inc *Incident, actor Actor, rules []string, groups Groups) bool {
	if actor.IsZero() {
		return false
	}
	for _, r := range rules {
		r = strings.TrimSpace(r)
		switch {
		case r == RoleLead:
			if inc != nil && inc.IsLead(actor) {
				return true
			}
		case r == RoleDeclarer:
			if inc != nil && inc.IsDeclarer(actor) {
				return true
			}
		case strings.HasPrefix(r, RolePrefix):
			if inc != nil && inc.HoldsRole(strings.TrimPrefix(r, RolePrefix), actor) {
				return true
			}
		case strings.HasPrefix(r, "group:"):
			for _, m := range groups[strings.TrimPrefix(r, "group:")] {
				if m == actor.Ref() {
					return true
				}
			}
		case r == actor.Ref():
			return true
		}
	}
	return false
}
