package incident

import (
	"fmt"
	"strings"
)

// Platforms a user or channel can live on.
const (
	PlatformSlack   = "slack"
	PlatformDiscord = "discord"
	PlatformConsole = "console"
	PlatformSystem  = "system"
)

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
func ParseUserRef(ref string) (Actor, error) {
	p, id, ok := strings.Cut(strings.TrimSpace(ref), ":")
	if !ok || p == "" || id == "" || strings.ContainsAny(id, " \t\n") {
		return Actor{}, fmt.Errorf("user %q: want platform:id, for example slack:U0123ABCD", ref)
	}
	switch p {
	case PlatformSlack, PlatformDiscord, PlatformConsole:
	default:
		return Actor{}, fmt.Errorf("user %q: unknown platform %q (want slack, discord or console)", ref, p)
	}
	return Actor{Platform: p, ID: id}, nil
}

// ChannelRef names a chat channel on one platform.
type ChannelRef struct {
	Platform  string `json:"platform"`
	ChannelID string `json:"channel_id"`
}

// String is "platform:channel".
func (c ChannelRef) String() string { return c.Platform + ":" + c.ChannelID }
