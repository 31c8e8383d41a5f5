package bot

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/incident"
)

// resolveCommand is "resolve [--ongoing] [summary]", and the button of
// its question, "resolve --ongoing --request <id>", whose summary the bot
// kept (parseResolve).
func resolveCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdResolve,
		Aliases: []string{"resolved", "close"},
		Summary: "close the incident: the permanent fix is in (--ongoing: while customer impact is still ongoing, which otherwise asks first)",
		Brief:   "Close the incident: the permanent fix is in",
		Section: SectionClosing,
		Needs:   OpenIncident,
		Parse:   parseResolve,
		Args: []Arg{
			{Name: FieldOngoing, Kind: ArgFlag, Shape: flagOngoing, Help: "Resolve although customer impact is still ongoing (otherwise it asks first)"},
			{Name: "summary", Kind: ArgText, MaxLen: 2000, Help: "What fixed it"},
			{Name: "request", Kind: ArgID, Input: Internal},
		},
		Handle: engineHandler((*Engine).resolve),
	}
}

// resolve closes the incident: the permanent fix is in. While customer
// impact is ongoing it asks first (askResolveOngoing), unless the command
// confirms it ("--ongoing", typed, or the question's button); the
// resolution then records who confirmed. It gives back the channels the
// incident borrowed (declare here), so they can hold the next incident;
// the incident's late messages still reach them.
func (e *Engine) resolve(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	inc := tx.Incident
	rules := rulesOrDefault(e.opts.Permissions.Resolve)
	if !incident.Allowed(inc, tx.Actor(), rules, e.opts.Groups) {
		return tx.Deny(ctx, "resolve "+inc.Key, rules)
	}
	confirmed := c.Flag(FieldOngoing)
	summary := c.Text("summary")
	var request int64
	if c.Has("request") {
		req, ok, err := resolveRequestOf(ctx, tx, c.Text("request"))
		if err != nil {
			return Reply{}, err
		}
		if !ok {
			return ErrorReply("That confirmation does not belong to %s. Type `/incident %s resolve --ongoing <summary>` instead.", inc.Key, inc.Key), nil
		}
		summary, request = req.summary, req.id
	}
	ongoing := inc.Impact == incident.ImpactOngoing
	if ongoing && !confirmed {
		return askResolveOngoing(ctx, tx, summary)
	}
	story := impactStory(inc)
	ev, err := inc.Resolve(tx.Now, tx.Actor(), summary)
	if err != nil {
		return domainErrorReply(inc, err), nil
	}
	if ongoing {
		ev.Data["ongoing_confirmed_by"] = tx.Actor().Ref()
		if err := auditResolveOngoing(ctx, tx, stepResolveConfirmed, map[string]any{"request": request, "story": story}); err != nil {
			return Reply{}, err
		}
	}
	released, err := tx.Q.ReleaseIncidentChannels(ctx, inc.ID, tx.Now)
	if err != nil {
		return Reply{}, fmt.Errorf("release channels: %w", err)
	}
	if len(released) > 0 {
		ev.Data["released_channels"] = channelStrings(released)
	}
	tx.Record(ev)
	tx.Announce(EventLine(inc, ev, tx.Now))
	if ongoing {
		tx.Announce(Textf("⚠️ Resolved with customer impact ongoing: it %s (confirmed by %s).", story, tx.Actor()))
	}
	if link := tx.IncidentURL(); link != "" {
		tx.Announce(Textf("📄 Report and postmortem draft: %s", Link(link, "")))
	}
	if len(released) > 0 {
		tx.Announce(Textf("This channel is free for the next incident: `/incident declare here sev2 <title>` there opens a new one; `/incident %s note …` still adds to this one.", inc.Key))
	}
	if ongoing {
		return TextReply("Resolved %s with customer impact ongoing: it %s, so the report counts customer impact up to now. %s", inc.Key, story, Clocks(inc, tx.Now)), nil
	}
	return TextReply("Resolved %s. %s", inc.Key, Clocks(inc, tx.Now)), nil
}
