package bot

import (
	"regexp"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
)

// MentionChannel in message text notifies everyone in the channel.
const MentionChannel = "<!channel>"

// MentionUser is a token for a user in message text that each adapter turns
// into its platform's mention (Slack <@U1>, Discord <@1>, terminal @name).
func MentionUser(a incident.Actor) string {
	if a.IsZero() {
		return "nobody"
	}
	return "<@" + a.Platform + ":" + a.ID + "|" + strings.NewReplacer("|", "", ">", "").Replace(a.Display()) + ">"
}

var mentionTokenRe = regexp.MustCompile(`<@([a-z]+):([^|>]+)\|([^>]*)>|<!channel>`)

// RenderMentions replaces the mention tokens in text: user tokens with
// user(actor), the channel token with channel.
func RenderMentions(text string, user func(incident.Actor) string, channel string) string {
	return mentionTokenRe.ReplaceAllStringFunc(text, func(tok string) string {
		if tok == MentionChannel {
			return channel
		}
		m := mentionTokenRe.FindStringSubmatch(tok)
		return user(incident.Actor{Platform: m[1], ID: m[2], Name: m[3]})
	})
}

// PlainMentions renders mentions as @name, for terminals and fallbacks.
func PlainMentions(text string) string {
	return RenderMentions(text, func(a incident.Actor) string { return "@" + a.Display() }, "@channel")
}
