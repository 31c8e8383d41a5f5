package bot

import "strings"

// The flags of resolve: "--ongoing" confirms resolving while customer
// impact is ongoing; "--request <id>" (after it) names the request the
// confirmation button answers, whose summary the bot kept.
const (
	flagOngoing = "--ongoing"
	flagRequest = "--request"
)

// FieldOngoing ("true" or empty) is the --ongoing flag of resolve from a
// form (Discord's typed options).
const FieldOngoing = "ongoing"

// parseResolve reads "resolve [--ongoing] [summary]", and the button's
// "resolve --ongoing --request <id>", which carries no summary: a button
// carries at most 100 characters on Discord.
func parseResolve(c Command, rest string) (Command, error) {
	w, r := nextWord(rest)
	if !strings.EqualFold(w, flagOngoing) {
		c.Text = plainMentions(rest)
		return c, nil
	}
	c.Ongoing = true
	if w, r2 := nextWord(r); strings.EqualFold(w, flagRequest) {
		id, extra := nextWord(r2)
		if id == "" || extra != "" || !idRe.MatchString(id) {
			return c, usageErr(CmdResolve, "`--request` takes the ID of a resolve request, and nothing after it")
		}
		c.Target = id
		return c, nil
	}
	c.Text = plainMentions(r)
	return c, nil
}
