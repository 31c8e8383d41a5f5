package bot

import (
	"regexp"
	"strings"

	"github.com/tourniquet/tourniquet/incident"
)

// markupTokenRe matches the chat markup that makes text ping someone or
// point at a channel: user mentions as Slack (<@U1>, <@U1|ana>), Discord
// (<@1>, <@!1>, roles <@&1>) and the engine's own token (<@slack:U1|ana>)
// write them, Slack's special mentions (<!channel>, <!here>,
// <!subteam^S1|@sre>) and channel references (<#C1|ops>, Discord's <#1>).
var markupTokenRe = regexp.MustCompile(`<([@#!])([^<>|\s]+)(?:\|([^<>]*))?>`)

// plainMentions turns the markup tokens in free text into what they show:
// "<@U123|ana>" becomes "@ana", "<@U123>" "@U123", "<!here>" "@here",
// "<#C1|ops>" "#ops". Typed text is data (DESIGN §8): a stored note must
// never ping anyone when it is shown again, nor carry a token that a
// renderer could mistake for a mention. Mention arguments ("lead <@U1>")
// are parsed before this and keep naming a person.
func plainMentions(s string) string {
	// Each replacement shortens the text, and one can make another token
	// ("<@<@U1>|x>"), so replace until none is left.
	for markupTokenRe.MatchString(s) {
		s = markupTokenRe.ReplaceAllStringFunc(s, plainToken)
	}
	return s
}

// plainToken is one markup token as the plain text it shows.
func plainToken(tok string) string {
	m := markupTokenRe.FindStringSubmatch(tok)
	sigil, id, label := m[1], m[2], incident.CleanText(m[3], incident.SingleLine)
	if sigil == "!" {
		sigil = "@"
	}
	label = strings.TrimLeft(label, "@#")
	if label == "" {
		label = strings.TrimLeft(id, "!&")
	}
	return sigil + label
}
