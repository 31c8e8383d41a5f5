package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Post implements bot.Deliverer: it sends the rendered message and pins it
// when asked. A pin that fails is logged, not returned: the message is out,
// and failing would post it again.
//
// A message with a Key is sent, on every try, with a nonce derived from
// the key and enforce_nonce: Discord then answers a try whose nonce it saw
// from the bot in that channel with the message already created, instead
// of creating a second one. Discord keeps nonces for a few minutes only (it
// documents no exact window), so a retry that comes later than that, after
// an earlier try's answer was lost, can still post the message twice.
// opts.Retry changes nothing here: Discord's message history does not show
// nonces, so there is nothing to look up.
func (a *Adapter) Post(ctx context.Context, channelID string, m bot.Message, opts bot.PostOptions) (string, error) {
	a.logRefused(ctx, m)
	msg, err := a.send(ctx, channelID, Render(m), nonceOf(opts.Key))
	if err != nil {
		return "", err
	}
	if opts.Pin {
		if err := a.pin(ctx, channelID, msg.ID); err != nil {
			a.log.WarnContext(ctx, "posted but could not pin", "channel", channelID, "message", msg.ID, "err", err)
		}
	}
	return msg.ID, nil
}

// pinEndpoint is Discord's current pin route, PUT
// /channels/{channel_id}/messages/pins/{message_id}; with an empty message
// ID, the rate-limit bucket of the channel's pins (the message is not a
// major parameter). discordgo v0.29's ChannelMessagePin still uses the
// deprecated /channels/{channel_id}/pins/{message_id}.
func pinEndpoint(channelID, messageID string) string {
	return discordgo.EndpointChannelMessages(channelID) + "/pins/" + messageID
}

// pin pins a message through the session's rate limiter.
func (a *Adapter) pin(ctx context.Context, channelID, messageID string) error {
	bucket := pinEndpoint(channelID, "")
	return a.call(ctx, a.rest, "pin a message in channel "+channelID, bucket, func(o ...discordgo.RequestOption) error {
		_, err := a.rest.RequestWithBucketID(http.MethodPut, pinEndpoint(channelID, messageID), nil, bucket, o...)
		return err
	})
}

// maxNonce is the longest nonce Discord accepts on a message.
const maxNonce = 25

// nonceOf derives a message nonce from an outbox key: the same key always
// gives the same nonce, of 24 hexadecimal characters (96 bits of SHA-256,
// within Discord's 25). An empty key gives no nonce.
func nonceOf(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:(maxNonce-1)/2])
}

// messageSend is the body of POST /channels/{id}/messages: discordgo's
// MessageSend (v0.29 has no nonce fields) with nonce and enforce_nonce.
type messageSend struct {
	discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

// send posts r to a channel. With a nonce, Discord answers with the
// message it already created for that nonce, if any (see Post).
func (a *Adapter) send(ctx context.Context, channelID string, r Rendered, nonce string) (*discordgo.Message, error) {
	data := messageSend{MessageSend: discordgo.MessageSend{Content: r.Content, Embeds: r.Embeds, Components: r.Components,
		AllowedMentions: r.AllowedMentions}, Nonce: nonce, EnforceNonce: nonce != ""}
	endpoint := discordgo.EndpointChannelMessages(channelID)
	var msg *discordgo.Message
	err := a.call(ctx, a.rest, "post to channel "+channelID, endpoint, func(o ...discordgo.RequestOption) error {
		// ChannelMessageSendComplex would drop the nonce: send the body
		// as it does, through the session's rate limiter.
		body, err := a.rest.RequestWithBucketID(http.MethodPost, endpoint, data, endpoint, o...)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			return fmt.Errorf("%w: %w", discordgo.ErrJSONUnmarshal, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if msg == nil || msg.ID == "" {
		return nil, fmt.Errorf("discord: post to channel %s: no message in the answer", channelID)
	}
	return msg, nil
}

// Update implements bot.Deliverer: it replaces the message's content,
// embeds and components.
func (a *Adapter) Update(ctx context.Context, channelID, messageID string, m bot.Message) error {
	a.logRefused(ctx, m)
	r := Render(m)
	edit := messageEdit{Content: &r.Content, Embeds: &r.Embeds, Components: &r.Components, AllowedMentions: r.AllowedMentions}
	bucket := discordgo.EndpointChannelMessage(channelID, "")
	return a.call(ctx, a.rest, "edit message "+messageID+" in channel "+channelID, bucket,
		func(o ...discordgo.RequestOption) error {
			// As ChannelMessageEditComplex does, without the "ID" and
			// "Channel" it sends in the body (see wire.go).
			_, err := a.rest.RequestWithBucketID(http.MethodPatch, discordgo.EndpointChannelMessage(channelID, messageID), edit, bucket, o...)
			return err
		})
}

// SetTopic implements bot.Topicer. Discord allows two topic changes per
// channel per ten minutes, while the engine sends one on every change of
// the incident, so the topic is best effort: a rate-limited change is
// dropped (a later one brings the topic up to date) rather than holding up
// the channel's messages behind it in the outbox. Threads have no topic.
func (a *Adapter) SetTopic(ctx context.Context, channelID, topic string) error {
	err := a.call(ctx, a.rest, "set the topic of channel "+channelID, discordgo.EndpointChannel(channelID), func(o ...discordgo.RequestOption) error {
		_, err := a.rest.ChannelEdit(channelID, &discordgo.ChannelEdit{Topic: truncate(topic, 1024)}, o...)
		return err
	})
	var ra *bot.RetryAfterError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ra):
		a.log.InfoContext(ctx, "topic change skipped: rate limited", "channel", channelID, "retry_after", ra.After)
		return nil
	case hasCode(err, codeWrongChannelType):
		return nil
	}
	return err
}

// Ephemeral implements bot.Deliverer. Discord shows a message to one
// person only as an answer to their interaction, so: while this replica
// holds a valid token (15 minutes) from the user's latest interaction in
// the channel, the message is an ephemeral follow-up; otherwise it is a
// direct message; and when the user accepts no DMs from the server, a
// plain message in the channel that mentions them (not private, but never
// lost).
func (a *Adapter) Ephemeral(ctx context.Context, channelID string, user incident.Actor, m bot.Message) error {
	if user.Platform != Platform || user.ID == "" {
		return bot.PermanentError(fmt.Errorf("discord: a private message for %s, who is not a Discord user", user.Ref()))
	}
	a.logRefused(ctx, m)
	r := Render(m)
	if i, ok := a.tokens.get(channelID, user.ID, a.clock.Now()); ok {
		err := a.followUp(ctx, i, r)
		if err == nil {
			return nil
		}
		if !isGone(err) {
			return err
		}
		a.tokens.drop(channelID, user.ID)
	}
	err := a.direct(ctx, channelID, user.ID, r)
	if err == nil || !hasCode(err, codeCannotDMUser) {
		return err
	}
	a.log.InfoContext(ctx, "user takes no direct messages; mentioning them in the channel", "channel", channelID)
	r.AllowedMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: []string{user.ID}}
	r.Content = truncate(strings.TrimSpace("<@"+user.ID+"> "+r.Content), maxContent)
	_, err = a.send(ctx, channelID, r, "")
	return err
}

// isGone reports an interaction token Discord no longer accepts.
func isGone(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Status == http.StatusNotFound || ae.Status == http.StatusUnauthorized ||
		ae.Code == codeUnknownWebhook || ae.Code == codeUnknownInteraction
}

func (a *Adapter) followUp(ctx context.Context, i *discordgo.Interaction, r Rendered) error {
	s := a.hookSession()
	params := &discordgo.WebhookParams{Content: r.Content, Embeds: r.Embeds, Components: r.Components,
		AllowedMentions: r.AllowedMentions, Flags: discordgo.MessageFlagsEphemeral}
	return a.call(ctx, s, "follow up on interaction "+i.ID, "", func(o ...discordgo.RequestOption) error {
		_, err := s.FollowupMessageCreate(i, true, params, o...)
		return err
	})
}

// direct sends r to the user's DM channel, saying which channel it is about.
func (a *Adapter) direct(ctx context.Context, channelID, userID string, r Rendered) error {
	var dm *discordgo.Channel
	err := a.call(ctx, a.rest, "open a direct message", discordgo.EndpointUserChannels("@me"), func(o ...discordgo.RequestOption) (err error) {
		dm, err = a.rest.UserChannelCreate(userID, o...)
		return err
	})
	if err != nil {
		return err
	}
	if dm == nil || dm.ID == "" {
		return errors.New("discord: open a direct message: no channel in the answer")
	}
	r.Content = truncate(strings.TrimSpace("-# About <#"+channelID+">\n"+r.Content), maxContent)
	_, err = a.send(ctx, dm.ID, r, "")
	return err
}
