package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// A channel used with "declare here" is borrowed: the incident holds it
// until it is resolved, then gives it back (storage.ReleaseIncidentChannels)
// so that the channel can hold the next incident, while the resolved one
// still posts its late lines and card updates there. A channel opened for
// an incident is its own for good.

// channelStrings names channels for event data ("slack:C0123").
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
