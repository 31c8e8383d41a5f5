package discord

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// memberAccess is what each invited person and the bot are allowed in a
// private incident channel: to see it, read what came before and write.
// Only permissions the bot itself has in the guild can be granted, and
// these are the ones it needs anyway.
const memberAccess = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages |
	discordgo.PermissionReadMessageHistory | discordgo.PermissionEmbedLinks

// overwrite is a permission overwrite as a create-channel request carries
// it: allow and deny as integers, as Discord's API description has them
// (discordgo's PermissionOverwrite writes strings, which is the shape of
// Discord's answers).
type overwrite struct {
	ID    string                            `json:"id"`
	Type  discordgo.PermissionOverwriteType `json:"type"`
	Allow int64                             `json:"allow"`
	Deny  int64                             `json:"deny"`
}

// privateChannelCreate is the body of a private incident channel's
// creation.
type privateChannelCreate struct {
	Name                 string                `json:"name"`
	Type                 discordgo.ChannelType `json:"type"`
	Topic                string                `json:"topic,omitempty"`
	ParentID             string                `json:"parent_id,omitempty"`
	PermissionOverwrites []overwrite           `json:"permission_overwrites"`
}

// privateOverwrites are the permission overwrites of a private incident
// channel: @everyone (the role whose ID is the guild's) may not see it;
// the bot and the invited Discord users may. The bot's user ID is its
// application's ID.
func privateOverwrites(guild, botID string, invite []incident.Actor) []overwrite {
	out := []overwrite{
		{ID: guild, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel},
		{ID: botID, Type: discordgo.PermissionOverwriteTypeMember, Allow: memberAccess},
	}
	seen := map[string]bool{botID: true}
	for _, u := range invite {
		if u.Platform != Platform || u.ID == "" || seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		out = append(out, overwrite{ID: u.ID, Type: discordgo.PermissionOverwriteTypeMember, Allow: memberAccess})
	}
	return out
}

// createPrivateChannel creates the text channel of data that only the bot
// and the invited people can see.
func (a *Adapter) createPrivateChannel(ctx context.Context, guild string, data discordgo.GuildChannelCreateData, req bot.OpenChannelRequest) (string, error) {
	botID, err := a.applicationID(ctx)
	if err != nil {
		return "", err
	}
	body := privateChannelCreate{Name: data.Name, Type: data.Type, Topic: data.Topic, ParentID: data.ParentID,
		PermissionOverwrites: privateOverwrites(guild, botID, req.Invite)}
	endpoint := discordgo.EndpointGuildChannels(guild)
	var ch struct {
		ID string `json:"id"`
	}
	err = a.call(ctx, a.rest, "create a private channel in guild "+guild, endpoint, func(o ...discordgo.RequestOption) error {
		raw, err := a.rest.RequestWithBucketID("POST", endpoint, body, endpoint, o...)
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, &ch)
	})
	if err != nil {
		return "", err
	}
	if ch.ID == "" {
		return "", errors.New("discord: create a private channel: no channel in the answer")
	}
	return ch.ID, nil
}

// addThreadMembers adds the invited Discord users to a private thread,
// which only its members see. Best effort, like the welcome: the thread
// exists, and failing would make the Sender open another.
func (a *Adapter) addThreadMembers(ctx context.Context, threadID string, req bot.OpenChannelRequest) {
	seen := map[string]bool{}
	for _, u := range req.Invite {
		if u.Platform != Platform || u.ID == "" || seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		endpoint := discordgo.EndpointThreadMember(threadID, u.ID)
		err := a.call(ctx, a.rest, "add a member to thread "+threadID, endpoint, func(o ...discordgo.RequestOption) error {
			return a.rest.ThreadMemberAdd(threadID, u.ID, o...)
		})
		if err != nil {
			a.log.WarnContext(ctx, "could not add a member to the private incident thread", "incident", req.IncidentKey,
				"thread", threadID, "user", u.ID, "err", err)
		}
	}
}
