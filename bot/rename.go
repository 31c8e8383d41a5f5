package bot

import (
	"context"
	"errors"

	"github.com/tourniquet/tourniquet/incident"
)

// renameCommand is "rename <title>".
func renameCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdRename,
		Summary: "give the incident a new title (at most 200 characters)",
		Brief:   "Give the incident a new title",
		Section: SectionSettings,
		Needs:   OpenIncident,
		Args: []Arg{{Name: "title", Kind: ArgTitle, Need: Required, MaxLen: incident.MaxTitleLen, Help: "The new title",
			Missing: "say the new title"}},
		Handle: engineHandler((*Engine).rename),
	}
}

// rename handles "rename <title>": a better title once more is known,
// guarded by permissions.rename (default: the lead and the declarer). The
// card and the channel topic follow, as after any change; the chat
// channel keeps its name (inc-7-<first title>), which people have already
// bookmarked and linked.
func (e *Engine) rename(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	inc := tx.Incident
	rules := rulesOrDefault(e.opts.Permissions.Rename)
	if !incident.Allowed(inc, tx.Actor(), rules, e.opts.Groups) {
		return tx.Deny(ctx, "rename "+inc.Key, rules)
	}
	from := inc.Title
	ev, err := inc.Rename(tx.Now, tx.Actor(), c.Text("title"))
	if errors.Is(err, incident.ErrSameTitle) {
		r := ErrorReply("%s is already called %q.", inc.Key, inc.Title)
		r.IncidentKey = inc.Key
		return r, nil
	}
	if err != nil {
		r := domainErrorReply(inc, err)
		r.Message = ErrorReply("%s\nUsage: `%s`", r.Message.Fallback, Usage(CmdRename)).Message
		return r, nil
	}
	tx.Record(ev)
	tx.Announce(Textf("✏️ %s renamed %s: %q → %q", tx.Actor(), inc.Key, from, inc.Title))
	r := TextReply("Renamed %s to %q. The card and the channel topic follow; the channel keeps its name.", inc.Key, inc.Title)
	r.IncidentKey = inc.Key
	return r, nil
}
