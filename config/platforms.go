package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
)

// Platform names, as they prefix user and channel references in the
// configuration ("slack:U0123ABCD"). The domain knows an actor by
// platform and ID without knowing which platforms exist; the
// configuration is where Tourniquet says which ones it speaks.
const (
	PlatformSlack   = "slack"
	PlatformDiscord = "discord"
	PlatformConsole = "console"
)

// Platforms are the chat platforms Tourniquet speaks.
var Platforms = []string{PlatformSlack, PlatformDiscord, PlatformConsole}

// ParseUser parses a user reference of a known platform, "slack:U0123ABCD".
func ParseUser(ref string) (incident.Actor, error) {
	a, err := incident.ParseUserRef(ref)
	if err != nil {
		return incident.Actor{}, err
	}
	if !slices.Contains(Platforms, a.Platform) {
		return incident.Actor{}, fmt.Errorf("user %q: unknown platform %q (want %s)", ref, a.Platform, strings.Join(Platforms, ", "))
	}
	return a, nil
}

// ParseChannel parses a channel reference of a known platform,
// "slack:C0123ABCD" (the digest's channel).
func ParseChannel(ref string) (incident.ChannelRef, error) {
	p, id, ok := strings.Cut(ref, ":")
	if !ok || id == "" || strings.ContainsAny(id, " \t") || !slices.Contains(Platforms, p) {
		return incident.ChannelRef{}, fmt.Errorf("%q: want platform:channel, for example slack:C0123ABCD", ref)
	}
	return incident.ChannelRef{Platform: p, ChannelID: id}, nil
}
