package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// maxTopic is Slack's limit on a channel topic.
const maxTopic = 250

// OpenChannel implements bot.Deliverer: conversations.create with a
// Slack-valid name (a taken name gets -2, -3, … appended), then invites
// the declarer and responders and announces the channel in the
// announcements channel.
//
// Only the creation decides success. Once the channel exists its ID is
// returned even if an invite or the announcement fails (those are logged):
// failing would make the Sender try again and open a second channel. The
// adapter also remembers the channel it opened for an incident, so a retry
// after a later failure (binding the channel in the store) reuses it.
func (a *Adapter) OpenChannel(ctx context.Context, req bot.OpenChannelRequest) (string, error) {
	a.mu.Lock()
	id, ok := a.opened[req.IncidentKey]
	a.mu.Unlock()
	if ok {
		return id, nil
	}
	ch, err := a.createChannel(ctx, ChannelName(req.Name))
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
	if a.o.AnnounceChannel != "" {
		if err := a.announce(ctx, ch.ID, req); err != nil {
			log.WarnContext(ctx, "could not announce the incident channel", "announce_channel", a.o.AnnounceChannel, "err", err)
		}
	}
	return ch.ID, nil
}

// maxNameTries bounds the suffixes tried when a channel name is taken.
const maxNameTries = 20

func (a *Adapter) createChannel(ctx context.Context, base string) (*slack.Channel, error) {
	for i := 1; i <= maxNameTries; i++ {
		name := withSuffix(base, i)
		ch, err := a.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name})
		if isCode(err, "name_taken") {
			continue
		}
		if err != nil {
			return nil, classify("conversations.create", err)
		}
		return ch, nil
	}
	return nil, bot.PermanentError(fmt.Errorf("slack conversations.create: %q and %d variants are all taken", base, maxNameTries-1))
}

// invite adds the Slack users among people to a channel. Users already
// there, and the bot itself, are fine.
func (a *Adapter) invite(ctx context.Context, channel string, people []incident.Actor) error {
	self := a.BotUserID()
	seen := map[string]bool{}
	var ids []string
	for _, p := range people {
		if p.Platform != incident.PlatformSlack || p.ID == "" || p.ID == self || seen[p.ID] {
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

// announce posts the new incident channel to the announcements channel.
func (a *Adapter) announce(ctx context.Context, channel string, req bot.OpenChannelRequest) error {
	by := ""
	for _, p := range req.Invite {
		if p.Platform == incident.PlatformSlack {
			by = " · declared by " + slackUser(p)
			break
		}
	}
	sev := strings.ToUpper(req.Severity)
	m := bot.Message{Fallback: fmt.Sprintf("🚨 %s %s: %s — join <#%s>", sev, req.IncidentKey, req.Title, channel)}
	m.Text(fmt.Sprintf("🚨 *%s %s: %s*\nJoin <#%s> to help%s.", sev, req.IncidentKey, escapeBare(req.Title), channel, by))
	_, err := a.Post(ctx, a.o.AnnounceChannel, m, bot.PostOptions{})
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
// of posting a second copy.
func (a *Adapter) Post(ctx context.Context, channelID string, m bot.Message, opts bot.PostOptions) (string, error) {
	r := Render(m)
	mopts := msgOptions(r)
	if opts.Key != "" {
		mopts = append(mopts, slack.MsgOptionMetadata(slack.SlackMetadata{
			EventType: MetadataEventType, EventPayload: map[string]any{metadataKey: opts.Key}}))
	}
	post := func() (string, error) {
		if err := a.pace.wait(ctx, channelID); err != nil {
			return "", err
		}
		_, ts, err := a.api.PostMessageContext(ctx, channelID, mopts...)
		return ts, err
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
		ts, err = post()
		if isCode(err, "not_in_channel") && a.join(ctx, channelID) == nil {
			ts, err = post()
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
	if user.Platform != incident.PlatformSlack {
		return bot.PermanentError(fmt.Errorf("slack: cannot show a message to %s", user.Ref()))
	}
	r := Render(m)
	_, err := a.api.PostEphemeralContext(ctx, channelID, user.ID, msgOptions(r)...)
	return classify("chat.postEphemeral", err)
}

// SetTopic implements bot.Topicer: conversations.setTopic, joining a public
// channel first when the bot is not in it.
func (a *Adapter) SetTopic(ctx context.Context, channelID, topic string) error {
	topic = truncate(plainText(topic), maxTopic)
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
