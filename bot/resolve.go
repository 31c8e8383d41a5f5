package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// resolve closes the incident: the permanent fix is in. It gives back the
// channels the incident borrowed (declare here), so they can hold the next
// incident; the incident's late messages still reach them.
func (e *Engine) resolve(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	rules := rulesOrDefault(e.opts.Permissions.Resolve)
	if !incident.Allowed(tx.Incident, tx.Actor(), rules, e.opts.Groups) {
		return tx.Deny(ctx, "resolve "+tx.Incident.Key, rules)
	}
	ev, err := tx.Incident.Resolve(tx.Now, tx.Actor(), c.Text)
	if err != nil {
		return domainErrorReply(tx.Incident, err), nil
	}
	released, err := tx.Q.ReleaseIncidentChannels(ctx, tx.Incident.ID, tx.Now)
	if err != nil {
		return Reply{}, fmt.Errorf("release channels: %w", err)
	}
	if len(released) > 0 {
		ev.Data["released_channels"] = channelStrings(released)
	}
	tx.Record(ev)
	tx.Announce(EventLine(tx.Incident, ev, tx.Now))
	if link := e.IncidentURL(tx.Incident.Key, tx.Now); link != "" {
		tx.Announce(Textf("📄 Report and postmortem draft: %s", Link(link, "")))
	}
	if len(released) > 0 {
		tx.Announce(Textf("This channel is free for the next incident: `/incident declare here sev2 <title>` there opens a new one; `/incident %s note …` still adds to this one.", tx.Incident.Key))
	}
	r := TextReply("Resolved %s. %s", tx.Incident.Key, Clocks(tx.Incident, tx.Now))
	if tx.Incident.Impact == incident.ImpactOngoing {
		r = TextReply("Resolved %s while impact was never marked mitigated: the report counts customer impact up to now. %s", tx.Incident.Key, Clocks(tx.Incident, tx.Now))
	}
	return r, nil
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
