package bot

import "strings"

// The flags of resolve: "--ongoing" confirms resolving while customer
// impact is ongoing; "--request <id>" (after it) names the request the
// confirmation button answers, whose summary the bot kept.
const (
	flagOngoing = "--ongoing"
	flagRequest = "--request"
)

// FieldOngoing is resolve's --ongoing flag, by name (Discord's
// ongoing:true).
const FieldOngoing = "ongoing"

// parseResolve is resolve's Parse: "resolve [--ongoing] [summary]", and
// the button's "resolve --ongoing --request <id>", which carries no
// summary: a button carries at most 100 characters on Discord.
func parseResolve(rest string) (Values, error) {
	spec, vals := resolveCommand(), Values{}
	summary, _ := spec.arg("summary")
	w, r := nextWord(rest)
	if !strings.EqualFold(w, flagOngoing) {
		return vals, readInto(vals, spec, summary, rest)
	}
	vals[FieldOngoing] = true
	if w, r2 := nextWord(r); strings.EqualFold(w, flagRequest) {
		id, extra := nextWord(r2)
		request, _ := spec.arg("request")
		if id == "" || extra != "" || readInto(vals, spec, request, id) != nil {
			return vals, problemf("`--request` takes the ID of a resolve request, and nothing after it")
		}
		return vals, nil
	}
	return vals, readInto(vals, spec, summary, r)
}
