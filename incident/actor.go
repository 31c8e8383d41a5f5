package incident

import (
	"fmt"
	"strings"
)

// PlatformSystem is the platform of the bot itself. Which chat platforms
// exist is not the domain's business: an actor is a platform name and an
// immutable ID on it (the configuration and the adapters know the names).
const PlatformSystem = "system"

// Actor is who did something: a platform, the platform's immutable user ID,
// and a display name that is for display only and never used for
// authorization.
type Actor struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
}

// System is the actor for what the bot does by itself.
var System = Actor{Platform: PlatformSystem, ID: "tourniquet", Name: "Tourniquet"}

// Ref is the actor's stable reference, "platform:id", as used in
// configuration (for example "slack:U0123ABCD").
func (a Actor) Ref() string { return a.Platform + ":" + a.ID }

// IsZero reports whether no actor is set.
func (a Actor) IsZero() bool { return a.Platform == "" && a.ID == "" }

// Same reports whether a and b are the same user, by platform and immutable
// ID only.
func (a Actor) Same(b Actor) bool { return !a.IsZero() && a.Platform == b.Platform && a.ID == b.ID }

// Display is the name to show: the display name, or the reference.
func (a Actor) Display() string {
	if a.Name != "" {
		return a.Name
	}
	if a.IsZero() {
		return "nobody"
	}
	return a.Ref()
}

// ParseUserRef parses "platform:id" into an Actor without a display name.
// It checks the form only (a lower-case platform name, an ID without
// spaces or markup); which platforms exist is config.ParseUser's to say.
func ParseUserRef(ref string) (Actor, error) {
	p, id, ok := strings.Cut(strings.TrimSpace(ref), ":")
	if !ok || !platformName(p) || id == "" || strings.ContainsAny(id, " \t\n<>|/") {
		return Actor{}, fmt.Errorf("user %q: want platform:id, for example slack:U0123ABCD", ref)
	}
	return Actor{Platform: p, ID: id}, nil
}

// platformName reports whether p reads as a platform's name: lower-case
// letters and digits, starting with a letter.
func platformName(p string) bool {
	if p == "" || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if (p[i] < 'a' || p[i] > 'z') && (p[i] < '0' || p[i] > '9') {
			return false
		}
	}
	return true
}

// ChannelRef names a chat channel on one platform.
type ChannelRef struct {
	Platform  string `json:"platform"`
	ChannelID string `json:"channel_id"`
}

// String is "platform:channel".
func (c ChannelRef) String() string { return c.Platform + ":" + c.ChannelID }
