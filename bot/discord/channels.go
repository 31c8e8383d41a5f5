package discord

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// threadArchiveMinutes keeps an incident thread open for a week of quiet.
const threadArchiveMinutes = 10080

var channelNameRe = regexp.MustCompile(`[^a-z0-9_-]+`)

// channelName applies Discord's rules for text channel names (lower case,
// no spaces, at most 100 characters) to the engine's suggestion.
func channelName(name, key string) string {
	n := strings.Trim(channelNameRe.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if n == "" {
		n = strings.ToLower(key)
	}
	if len(n) > 100 {
		n = strings.TrimRight(n[:100], "-")
	}
	return n
}

// OpenChannel implements bot.Deliverer: a text channel named
// inc-<id>-<slug> under the incident category (channel mode), or a public
// thread of that name in the thread parent channel (thread mode). For a
// private incident the channel denies @everyone the view and allows the
// bot and the invited people (permission overwrites), or the thread is a
// private one the invited people are added to, and nothing announces it. A
// channel or thread of that name left by an attempt whose answer was lost
// is reused, so a retry never opens a second one. Once it exists the rest
// is best effort (failing would open another on retry): a first message
// mentions the people to invite (a mention adds them to a thread), and the
// announce channel — or, without one, the channel the incident was
// declared in — gets a link. Both carry a nonce derived from the channel
// ID, so a retry within Discord's nonce window (a few minutes) that reuses
// the channel does not post them again.
func (a *Adapter) OpenChannel(ctx context.Context, req bot.OpenChannelRequest) (string, error) {
	name := channelName(req.Name, req.IncidentKey)
	var (
		id  string
		err error
	)
	if a.o.ChannelMode == ModeThread {
		id, err = a.openThread(ctx, req, name)
	} else {
		id, err = a.openTextChannel(ctx, req, name)
	}
	if err != nil {
		return "", err
	}
	if req.Private && a.o.ChannelMode == ModeThread {
		a.addThreadMembers(ctx, id, req)
	}
	a.welcome(ctx, id, req)
	if !req.Private {
		a.announce(ctx, id, req)
	}
	return id, nil
}

func (a *Adapter) openTextChannel(ctx context.Context, req bot.OpenChannelRequest, name string) (string, error) {
	guild, err := a.guildFor(ctx, req.From)
	if err != nil {
		return "", err
	}
	var existing []*discordgo.Channel
	err = a.call(ctx, a.rest, "list the channels of guild "+guild, discordgo.EndpointGuildChannels(guild), func(o ...discordgo.RequestOption) (err error) {
		existing, err = a.rest.GuildChannels(guild, o...)
		return err
	})
	if err != nil {
		return "", err
	}
	for _, c := range existing {
		if c != nil && c.Type == discordgo.ChannelTypeGuildText && c.Name == name && c.ParentID == a.o.IncidentCategory {
			a.log.InfoContext(ctx, "reusing incident channel", "incident", req.IncidentKey, "channel", c.ID)
			return c.ID, nil
		}
	}
	data := discordgo.GuildChannelCreateData{Name: name, Type: discordgo.ChannelTypeGuildText, Topic: truncate(req.Topic, 1024), ParentID: a.o.IncidentCategory}
	if req.Private {
		return a.createPrivateChannel(ctx, guild, data, req)
	}
	var ch *discordgo.Channel
	err = a.call(ctx, a.rest, "create a channel in guild "+guild, discordgo.EndpointGuildChannels(guild), func(o ...discordgo.RequestOption) (err error) {
		ch, err = a.rest.GuildChannelCreateComplex(guild, data, o...)
		return err
	})
	if err != nil {
		return "", err
	}
	if ch == nil || ch.ID == "" {
		return "", errors.New("discord: create a channel: no channel in the answer")
	}
	return ch.ID, nil
}

// guildFor is the configured guild, or the guild of the channel the
// incident was declared in.
func (a *Adapter) guildFor(ctx context.Context, from incident.ChannelRef) (string, error) {
	if a.o.GuildID != "" {
		return a.o.GuildID, nil
	}
	if from.Platform != Platform || from.ChannelID == "" {
		return "", bot.PermanentError(errors.New("discord: no guild to open the incident channel in: set discord.guild_id"))
	}
	var ch *discordgo.Channel
	err := a.call(ctx, a.rest, "look up channel "+from.ChannelID, discordgo.EndpointChannel(from.ChannelID), func(o ...discordgo.RequestOption) (err error) {
		ch, err = a.rest.Channel(from.ChannelID, o...)
		return err
	})
	if err != nil {
		return "", err
	}
	if ch == nil || ch.GuildID == "" {
		return "", bot.PermanentError(fmt.Errorf("discord: channel %s is in no guild: set discord.guild_id", from.ChannelID))
	}
	return ch.GuildID, nil
}

func (a *Adapter) openThread(ctx context.Context, req bot.OpenChannelRequest, name string) (string, error) {
	parent := a.o.ThreadParentChannel
	guild, _ := a.guildFor(ctx, req.From)
	if guild != "" {
		var active *discordgo.ThreadsList
		err := a.call(ctx, a.rest, "list the active threads of guild "+guild, discordgo.EndpointGuildActiveThreads(guild), func(o ...discordgo.RequestOption) (err error) {
			active, err = a.rest.GuildThreadsActive(guild, o...)
			return err
		})
		if err != nil {
			return "", err
		}
		for _, t := range threadsOf(active) {
			if t != nil && t.ParentID == parent && t.Name == name {
				a.log.InfoContext(ctx, "reusing incident thread", "incident", req.IncidentKey, "thread", t.ID)
				return t.ID, nil
			}
		}
	}
	data := &discordgo.ThreadStart{Name: name, Type: discordgo.ChannelTypeGuildPublicThread, AutoArchiveDuration: threadArchiveMinutes}
	if req.Private {
		data.Type = discordgo.ChannelTypeGuildPrivateThread // Invitable stays false: only the bot adds people
	}
	var th *discordgo.Channel
	err := a.call(ctx, a.rest, "start a thread in channel "+parent, discordgo.EndpointChannelThreads(parent), func(o ...discordgo.RequestOption) (err error) {
		th, err = a.rest.ThreadStartComplex(parent, data, o...)
		return err
	})
	if err != nil {
		return "", err
	}
	if th == nil || th.ID == "" {
		return "", errors.New("discord: start a thread: no thread in the answer")
	}
	return th.ID, nil
}

// welcome mentions the people invited to the incident in its new channel.
func (a *Adapter) welcome(ctx context.Context, channelID string, req bot.OpenChannelRequest) {
	var who []bot.Rich
	for _, u := range req.Invite {
		if u.Platform == Platform && u.ID != "" {
			who = append(who, bot.Rich{bot.User(u)})
		}
	}
	if len(who) == 0 {
		return
	}
	var m bot.Message
	m.Textf("🚨 *%s* (%s): %s\n%s — you are on it. First question: %s", req.IncidentKey,
		strings.ToUpper(req.Severity), req.Title, bot.Join(" ", who...), bot.MitigationQuestion)
	if _, err := a.send(ctx, channelID, Render(m), nonceOf("welcome/"+channelID)); err != nil {
		a.log.WarnContext(ctx, "could not welcome responders", "incident", req.IncidentKey, "channel", channelID, "err", err)
	}
}

// announce links the new incident channel from the announce channel, or
// from the channel the incident was declared in.
func (a *Adapter) announce(ctx context.Context, channelID string, req bot.OpenChannelRequest) {
	target := a.o.AnnounceChannel
	if target == "" && req.From.Platform == Platform {
		target = req.From.ChannelID
	}
	if target == "" || target == channelID {
		return
	}
	var m bot.Message
	m.Textf("🚨 *%s %s*: %s — follow it in %s", strings.ToUpper(req.Severity), req.IncidentKey, req.Title, bot.ChannelLink(channelID))
	if _, err := a.send(ctx, target, Render(m), nonceOf("announce/"+channelID)); err != nil {
		a.log.WarnContext(ctx, "could not announce the incident", "incident", req.IncidentKey, "channel", target, "err", err)
	}
}

func threadsOf(l *discordgo.ThreadsList) []*discordgo.Channel {
	if l == nil {
		return nil
	}
	return l.Threads
}
