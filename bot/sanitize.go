package bot

import (
	"strings"
	"unicode/utf8"
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

// clean returns inv with every string it carries made storable.
func (inv Invocation) clean() Invocation {
	inv.ID, inv.Text = cleanText(inv.ID), cleanText(inv.Text)
	inv.Channel.Platform, inv.Channel.ChannelID = cleanText(inv.Channel.Platform), cleanText(inv.Channel.ChannelID)
	inv.Actor.Platform, inv.Actor.ID, inv.Actor.Name = cleanText(inv.Actor.Platform), cleanText(inv.Actor.ID), cleanText(inv.Actor.Name)
	if len(inv.Fields) > 0 {
		fields := make(map[string]string, len(inv.Fields))
		for k, v := range inv.Fields {
			fields[cleanText(k)] = cleanText(v)
		}
		inv.Fields = fields
	}
	return inv
}
