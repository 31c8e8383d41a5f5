package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

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
	c.Ongoing = c.Ongoing || fieldSet(tx.Inv.Fields, FieldOngoing)
	summary := c.Text
	var request int64
	if c.Target != "" {
		req, ok, err := resolveRequestOf(ctx, tx, c.Target)
		if err != nil {
			return Reply{}, err
		}
		if !ok {
			return ErrorReply("That confirmation does not belong to %s. Type `/incident %s resolve --ongoing <summary>` instead.", inc.Key, inc.Key), nil
		}
		summary, request = req.summary, req.id
	}
	ongoing := inc.Impact == incident.ImpactOngoing
	if ongoing && !c.Ongoing {
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
	if link := e.IncidentURL(inc.Key, tx.Now); link != "" {
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

func channelStrings(chs []incident.ChannelRef) []string {
	out := make([]string, len(chs))
	for i, c := range chs {
		out[i] = c.String()
	}
	return out
}

// noIncidentHere explains a command typed in a channel no incident holds.
// When an incident gave the channel back on resolution, it names that
// incident, since the command was most likely meant for it.
func noIncidentHere(ctx context.Context, q storage.Querier, ch incident.ChannelRef, cmd Command) (Reply, error) {
	last, err := q.LastIncidentOfChannel(ctx, ch)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return ErrorReply("This channel belongs to no incident. Type the command in the incident's channel, "+
			"name the incident (`/incident INC-7 %s`), or declare one: `%s`", cmd.Name, Usage(CmdDeclare)), nil
	case err != nil:
		return Reply{}, fmt.Errorf("look up the channel's last incident: %w", err)
	}
	return ErrorReply("No incident is open in this channel: %s (%s) was resolved here. To add to it, name it: `/incident %s %s …`. "+
		"To open a new one here: `/incident declare here sev2 <title>`.", last.Key, last.Title, last.Key, cmd.Name), nil
}
