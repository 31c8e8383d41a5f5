package slack

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
)

// MetadataEventType is the event_type of the message metadata that
// carries an outbox message's key (bot.PostOptions.Key), so that a retry
// can tell whether an earlier try posted it.
const MetadataEventType = "tourniquet_message"

// metadataKey is the event_payload field holding the key.
const metadataKey = "key"

// historyWindow is how many of a channel's latest messages are searched
// for an earlier try: a retry comes within a lease (30s) or a few backoffs
// of the first try, and the channel's messages go out one at a time.
const historyWindow = 100

// findPosted looks for the bot's message carrying key among the latest
// messages of a channel (conversations.history with metadata). When Slack
// is rate limiting or failing (tryLater: a 429, a 5xx, the network, or an
// ok:false internal_error, service_unavailable, …), it returns the error,
// and the Sender tries again later: posting now might make a second copy.
// When Slack refuses to show the history (a missing scope, say) it says
// not found, and the message is posted: a possible duplicate is better
// than a lost message.
func (a *Adapter) findPosted(ctx context.Context, channelID, key string) (string, bool, error) {
	res, err := a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: channelID, Limit: historyWindow, IncludeAllMetadata: true})
	if err != nil {
		if tryLater(err) {
			return "", false, classify("conversations.history", err)
		}
		a.log.WarnContext(ctx, "could not read the channel to see whether an earlier try posted the message; posting it",
			"channel", channelID, "err", sanitize(err))
		return "", false, nil
	}
	for _, m := range res.Messages {
		if m.Metadata.EventType == MetadataEventType && fmt.Sprint(m.Metadata.EventPayload[metadataKey]) == key {
			a.log.InfoContext(ctx, "an earlier try posted this message; not posting it again", "channel", channelID, "ts", m.Timestamp)
			return m.Timestamp, true, nil
		}
	}
	return "", false, nil
}
