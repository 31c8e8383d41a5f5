package readiness

import (
	"context"
	"fmt"
	"strings"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
)

// Directory tells whether a person still exists on a chat platform (a
// Slack user not deleted, a Discord guild member). The adapters provide
// one per platform (bot/slack.Directory, bot/discord.Directory);
// cmd/internal/app gives them to readiness by platform name.
type Directory interface {
	UserExists(ctx context.Context, id string) (bool, error)
}

// Directories are the directories by platform ("slack", "discord").
type Directories map[string]Directory

// People is whether an action's allowed list resolves to at least one
// person who can press its button.
type People struct {
	// OK is true when some rule resolves: an incident role (lead,
	// declarer, role:x: someone holds it whenever there is an incident),
	// a user who still exists, or a group with a member who does.
	OK bool `json:"ok"`
	// Detail says why not, or who was found missing; "" when all is well.
	Detail string `json:"detail,omitempty"`
}

// resolvePeople checks the rules of one action. A user the directories
// cannot check (no directory for the platform, an error) counts as
// existing, and the detail says so: readiness does not punish what it
// cannot see.
func resolvePeople(ctx context.Context, rules []string, groups map[string][]string, dirs Directories) People {
	if len(rules) == 0 {
		return People{Detail: "allowed is empty: nobody may run it"}
	}
	var missing, unchecked []string
	exists := func(ref string) bool {
		a, err := config.ParseUser(ref)
		if err != nil {
			missing = append(missing, ref+" (not a user)")
			return false
		}
		d := dirs[a.Platform]
		if d == nil {
			unchecked = append(unchecked, ref)
			return true
		}
		ok, err := d.UserExists(ctx, a.ID)
		switch {
		case err != nil:
			unchecked = append(unchecked, fmt.Sprintf("%s (%v)", ref, err))
			return true
		case !ok:
			missing = append(missing, ref)
		}
		return ok
	}
	found := false
	for _, r := range rules {
		switch {
		case r == incident.RoleLead || r == incident.RoleDeclarer || strings.HasPrefix(r, incident.RolePrefix):
			found = true
		case strings.HasPrefix(r, config.GroupPrefix):
			name := strings.TrimPrefix(r, config.GroupPrefix)
			members := groups[name]
			if len(members) == 0 {
				missing = append(missing, r+" (empty or not defined)")
				continue
			}
			for _, m := range members {
				if exists(m) {
					found = true
				}
			}
		default:
			if exists(r) {
				found = true
			}
		}
	}
	p := People{OK: found}
	switch {
	case !found:
		p.Detail = "nobody allowed still exists"
		if len(missing) > 0 {
			p.Detail += ": " + strings.Join(missing, ", ")
		}
	case len(missing) > 0:
		p.Detail = "gone: " + strings.Join(missing, ", ")
	case len(unchecked) > 0:
		p.Detail = "not checked: " + strings.Join(unchecked, ", ")
	}
	return p
}
