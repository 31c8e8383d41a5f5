package slack

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// maxTopic is Slack's limit on a channel topic.
const maxTopic = 250

// OpenChannel implements bot.Deliverer: conversations.create with a
// Slack-valid name (a taken name gets -2, -3, … appended), private for a
// private incident (is_private, the groups:write scope), then invites the
// declarer and responders and announces the channel in the announcements
// channel, unless the incident is private: a private incident is
// announced nowhere.
//
// Only the creation decides success. Once the channel exists its ID is
// returned even if an invite or the announcement fails (those are logged):
// failing would make the Sender try again and open a second channel. The
// adapter also remembers the channel it opened for an incident, so a retry
// after a later failure (binding the channel in the store) reuses it.
//
// That memory dies with the process. When req.Retry says an earlier try
// may have created the channel and the name is taken, the bot's own public
// channels are searched (see findCreated) for one of the name, or of a
// suffixed variant, that the bot created since req.RequestedAt (less
// clockSkew); it is reused, people are invited again (which is harmless)
// and the announcement is posted unless an earlier try posted it. Only a
// first try, or a retry that finds none, moves on to a suffixed name. A
// first try does not search, and a retry passes over older channels:
// whatever held the name before the opening was asked for was not made
// for this incident (an old channel from before a database was restored
// and incident numbers started again, say), and reusing it would mix two
// incidents in one channel.
func (a *Adapter) OpenChannel(ctx context.Context, req bot.OpenChannelRequest) (string, error) {
	a.mu.Lock()
	id, ok := a.opened[req.IncidentKey]
	a.mu.Unlock()
	if ok {
		return id, nil
	}
	ch, reused, err := a.createChannel(ctx, ChannelName(req.Name), req)
	if err != nil {
		return "", err
	}
	if req.IncidentKey != "" {
		a.mu.Lock()
		a.opened[req.IncidentKey] = ch.ID
		a.mu.Unlock()
	}
	log := a.log.With("incident", req.IncidentKey, "channel", ch.ID)
	if err := a.invite(ctx, ch.ID, req.Invite); err != nil {
		log.WarnContext(ctx, "could not invite everyone to the incident channel", "err", err)
	}
	if reused {
		log.InfoContext(ctx, "reusing the incident channel an earlier try created", "name", ch.Name)
	}
	if a.o.AnnounceChannel != "" && !req.Private {
		if err := a.announce(ctx, ch.ID, req, reused); err != nil {
			log.WarnContext(ctx, "could not announce the incident channel", "announce_channel", a.o.AnnounceChannel, "err", err)
		}
	}
	return ch.ID, nil
}

// maxNameTries bounds the suffixes tried when a channel name is taken.
const maxNameTries = 20

// createChannel creates a channel named base, or base-2, base-3, … when
// taken. On a retry (req.Retry), a taken base name first sends it looking
// for the channel an earlier try of req created; the bool reports such a
// reuse.
func (a *Adapter) createChannel(ctx context.Context, base string, req bot.OpenChannelRequest) (*slack.Channel, bool, error) {
	for i := 1; i <= maxNameTries; i++ {
		name := withSuffix(base, i)
		ch, err := a.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name, IsPrivate: req.Private})
		if isCode(err, "name_taken") {
			if i == 1 && req.Retry {
				found, err := a.findCreated(ctx, base, notBefore(req.RequestedAt), channelTypes(req))
				if err != nil || found != nil {
					return found, found != nil, err
				}
			}
			continue
		}
		if err != nil {
			return nil, false, classify("conversations.create", err)
		}
		return ch, false, nil
	}
	return nil, false, bot.PermanentError(fmt.Errorf("slack conversations.create: %q and %d variants are all taken", base, maxNameTries-1))
}

// memberPageSize and maxMemberPages bound the search for a channel an
// earlier try created: 200 channels a page (Slack's advice for
// users.conversations), and at most 10,000 unarchived public channels the
// bot is in.
const (
	memberPageSize = 200
	maxMemberPages = 50
)

// clockSkew is how much earlier than the opening was asked for (by
// Tourniquet's clock) Slack may date a channel that a try of it created
// (by Slack's clock): the two clocks may be this far apart. A channel
// older than that was there before the opening was asked for.
const clockSkew = time.Minute

// notBefore is the earliest creation time, in Unix seconds as Slack's
// created field has it, of a channel that a try of an opening asked for
// at requested may have made: requested truncated to the second, less
// clockSkew. A zero requested (not known) sets no bound.
func notBefore(requested time.Time) int64 {
	if requested.IsZero() {
		return math.MinInt64
	}
	return requested.Truncate(time.Second).Add(-clockSkew).Unix()
}

// channelTypes is the kind of channel an opening creates, as
// users.conversations names it: a private incident's channel is private
// (the groups:read scope lists it).
func channelTypes(req bot.OpenChannelRequest) []string {
	if req.Private {
		return []string{"private_channel"}
	}
	return []string{"public_channel"}
}

// findCreated pages through the unarchived channels of the given types
// (public, or private for a private incident) the bot is a member of (users.conversations: the creator of a channel is one of its
// members, and the bot is in far fewer channels than the workspace has)
// for one named base or a suffixed variant of it (base-2, …) whose creator
// is the bot and that was created at notBefore or later (Unix seconds), and
// returns the newest such, or nil. When Slack is rate limiting or failing,
// it returns the error and the Sender tries again later: opening a channel
// now might make a second one. When Slack refuses the listing for good (a
// missing scope, say), it logs that and returns nil, so the channel is
// opened under another name: a second channel is better than none.
func (a *Adapter) findCreated(ctx context.Context, base string, notBefore int64, types []string) (*slack.Channel, error) {
	self, err := a.selfID(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for i := 1; i <= maxNameTries; i++ {
		names[withSuffix(base, i)] = true
	}
	var found *slack.Channel
	params := &slack.GetConversationsForUserParameters{UserID: self, Types: types,
		ExcludeArchived: true, Limit: memberPageSize}
	for page := 1; ; page++ {
		chans, next, err := a.api.GetConversationsForUserContext(ctx, params)
		if err != nil {
			if tryLater(err) {
				return nil, classify("users.conversations", err)
			}
			a.log.WarnContext(ctx, "could not list the bot's channels to find the one an earlier try created; opening another",
				"name", base, "err", sanitize(err))
			return nil, nil
		}
		for i := range chans {
			c := &chans[i]
			if names[c.Name] && c.Creator == self && !c.IsArchived && int64(c.Created) >= notBefore &&
				(found == nil || c.Created > found.Created) {
				found = c
			}
		}
		if next == "" {
			return found, nil
		}
		if page == maxMemberPages {
			a.log.WarnContext(ctx, "the bot is in too many channels to search them all for the one an earlier try created",
				"name", base, "searched", page*memberPageSize)
			return found, nil
		}
		params.Cursor = next
	}
}

// selfID is the bot's own user ID, asked of auth.test when Run has not
// learnt it yet.
func (a *Adapter) selfID(ctx context.Context) (string, error) {
	if id := a.BotUserID(); id != "" {
		return id, nil
	}
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		return "", classify("auth.test", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.botUserID == "" {
		a.botUserID = res.UserID
	}
	return a.botUserID, nil
}

// invite adds the Slack users among people to a channel. Users already
// there, and the bot itself, are fine.
func (a *Adapter) invite(ctx context.Context, channel string, people []incident.Actor) error {
	self := a.BotUserID()
	seen := map[string]bool{}
	var ids []string
	for _, p := range people {
		if p.Platform != Platform || p.ID == "" || p.ID == self || seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		ids = append(ids, p.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	// force: invite the valid users even if one ID is wrong.
	_, err := a.api.ForceInviteUsersToConversationContext(ctx, channel, ids...)
	if err == nil || isCode(err, "already_in_channel", "cant_invite_self") {
		return nil
	}
	return classify("conversations.invite", err)
}

// announce posts the new incident channel to the announcements channel,
// keyed by the channel: for a reused channel (retry), an announcement an
// earlier try posted is found instead of posting another.
func (a *Adapter) announce(ctx context.Context, channel string, req bot.OpenChannelRequest, retry bool) error {
	var by bot.Rich
	for _, p := range req.Invite {
		if p.Platform == Platform {
			by = bot.Textf(" · declared by %s", p)
			break
		}
	}
	sev := strings.ToUpper(req.Severity)
	var m bot.Message
	m.Textf("🚨 *%s %s: %s*\nJoin %s to help%s.", sev, req.IncidentKey, req.Title, bot.ChannelLink(channel), by)
	// Part of opening the channel, not a message of its own in the
	// outbox: handed back by the pacer it would be lost, so it waits for
	// the channel's turn.
	_, err := a.post(ctx, a.o.AnnounceChannel, m, bot.PostOptions{Key: "tq-announce-" + channel, Retry: retry}, true)
	return err
}

// Post implements bot.Deliverer: chat.postMessage (paced per channel),
// then pins.add when asked. The message's ts is its ID. When the bot is
// not in a public channel it joins and tries once more. A pin that fails
// is logged, not returned: the message is out, and a retry would post it
// twice.
//
// A message with a Key carries it as message metadata; when opts.Retry
// says an earlier try may have posted it, the channel's recent history is
// searched for that key first and the message found is returned instead
// of posting a second copy. The channel's turn (the pacer) comes first,
// so a retry handed back to the Sender reads no history.
func (a *Adapter) Post(ctx context.Context, channelID string, m bot.Message, opts bot.PostOptions) (string, error) {
	return a.post(ctx, channelID, m, opts, false)
}

// post is Post; inPlace waits for the channel's turn however far away
// (see pacer.wait).
func (a *Adapter) post(ctx context.Context, channelID string, m bot.Message, opts bot.PostOptions, inPlace bool) (string, error) {
	if err := a.pace.wait(ctx, channelID, inPlace); err != nil {
		return "", classify("chat.postMessage", err)
	}
	mopts := msgOptions(Render(m))
	if opts.Key != "" {
		mopts = append(mopts, slack.MsgOptionMetadata(slack.SlackMetadata{
			EventType: MetadataEventType, EventPayload: map[string]any{metadataKey: opts.Key}}))
	}
	ts, found := "", false
	if opts.Retry && opts.Key != "" {
		var err error
		if ts, found, err = a.findPosted(ctx, channelID, opts.Key); err != nil {
			return "", err
		}
	}
	var err error
	if !found {
		// A not_in_channel answer posted nothing: the try after joining
		// keeps the turn.
		_, ts, err = a.api.PostMessageContext(ctx, channelID, mopts...)
		if isCode(err, "not_in_channel") && a.join(ctx, channelID) == nil {
			_, ts, err = a.api.PostMessageContext(ctx, channelID, mopts...)
		}
	}
	if err != nil {
		return "", classify("chat.postMessage", err)
	}
	if opts.Pin {
		err := a.api.AddPinContext(ctx, channelID, slack.NewRefToMessage(channelID, ts))
		if err != nil && !isCode(err, "already_pinned") {
			a.log.WarnContext(ctx, "could not pin the message", "channel", channelID, "ts", ts, "err", sanitize(err))
		}
	}
	return ts, nil
}

// Update implements bot.Deliverer: chat.update of the message at ts.
func (a *Adapter) Update(ctx context.Context, channelID, messageID string, m bot.Message) error {
	r := Render(m)
	_, _, _, err := a.api.UpdateMessageContext(ctx, channelID, messageID, msgOptions(r)...)
	return classify("chat.update", err)
}

// Ephemeral implements bot.Deliverer: chat.postEphemeral to one user.
func (a *Adapter) Ephemeral(ctx context.Context, channelID string, user incident.Actor, m bot.Message) error {
	if user.Platform != Platform {
		return bot.PermanentError(fmt.Errorf("slack: cannot show a message to %s", user.Ref()))
	}
	r := Render(m)
	_, err := a.api.PostEphemeralContext(ctx, channelID, user.ID, msgOptions(r)...)
	return classify("chat.postEphemeral", err)
}

// SetTopic implements bot.Topicer: conversations.setTopic, joining a public
// channel first when the bot is not in it.
func (a *Adapter) SetTopic(ctx context.Context, channelID, topic string) error {
	topic = truncate(topic, maxTopic)
	_, err := a.api.SetTopicOfConversationContext(ctx, channelID, topic)
	if isCode(err, "not_in_channel") && a.join(ctx, channelID) == nil {
		_, err = a.api.SetTopicOfConversationContext(ctx, channelID, topic)
	}
	return classify("conversations.setTopic", err)
}

// join makes the bot a member of a public channel.
func (a *Adapter) join(ctx context.Context, channelID string) error {
	_, _, _, err := a.api.JoinConversationContext(ctx, channelID)
	if err != nil {
		a.log.WarnContext(ctx, "could not join channel", "channel", channelID, "err", sanitize(err))
	}
	return err
}

// ensureMember joins a channel when it is public and the bot is not in it
// (declare here), so that it can pin there and sees its reactions and pins.
func (a *Adapter) ensureMember(ctx context.Context, channelID string) {
	info, err := a.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channelID})
	if err != nil {
		a.log.WarnContext(ctx, "could not look up channel", "channel", channelID, "err", sanitize(err))
		return
	}
	if info.IsPrivate || info.IsMember || info.IsIM || info.IsMpIM {
		return
	}
	_ = a.join(ctx, channelID)
}

func msgOptions(r Rendered) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(r.Text, false)}
	if len(r.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(r.Blocks...))
	}
	return opts
}
