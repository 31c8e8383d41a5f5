package bot

import (
	"strings"
	"unicode/utf8"

	"github.com/tourniquet/tourniquet/incident"
)

// cleanText makes s storable text: bytes that are not UTF-8 become U+FFFD
// and NUL characters are dropped. Postgres refuses both in TEXT, and a
// request that can never be stored must not fail as if the store were
// down (the platform would retry it forever).
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// clean returns inv with every string it carries made storable, and what
// people see again (the command text, display names, form fields) without
// control characters (incident.CleanText): a display name or an argument
// is shown on the timeline, the card and the terminal as is. IDs are only
// made storable, never changed otherwise: they are identities.
func (inv Invocation) clean() Invocation {
	inv.ID = cleanText(inv.ID)
	inv.Text = incident.CleanText(inv.Text, incident.MultiLine)
	inv.Command = incident.CleanText(inv.Command, incident.SingleLine)
	inv.Incident = incident.CleanText(inv.Incident, incident.SingleLine)
	inv.Channel.Platform, inv.Channel.ChannelID = cleanText(inv.Channel.Platform), cleanText(inv.Channel.ChannelID)
	inv.Actor.Platform, inv.Actor.ID = cleanText(inv.Actor.Platform), cleanText(inv.Actor.ID)
	inv.Actor.Name = incident.CleanText(inv.Actor.Name, incident.SingleLine)
	if len(inv.Args) > 0 {
		args := make(map[string]string, len(inv.Args))
		for k, v := range inv.Args {
			args[cleanText(k)] = incident.CleanText(v, incident.MultiLine)
		}
		inv.Args = args
	}
	return inv
}
