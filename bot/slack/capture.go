package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// errBadRequest is a verified request whose payload does not parse: HTTP
// answers 400, Socket Mode acknowledges it (a retry cannot help).
var errBadRequest = errors.New("slack: malformed payload")

// maxNoteBytes bounds the text of a captured note (the command grammar
// refuses lines over 4000 bytes).
const maxNoteBytes = 3500

// eventEnvelope is the outer Events API payload.
type eventEnvelope struct {
	Type           string          `json:"type"`
	Challenge      string          `json:"challenge"`
	EventID        string          `json:"event_id"`
	Event          json.RawMessage `json:"event"`
	Authorizations []struct {
		UserID string `json:"user_id"`
		IsBot  bool   `json:"is_bot"`
	} `json:"authorizations"`
}

// onEvent handles an Events API payload: the URL verification challenge,
// and the reactions and pins that capture messages onto the timeline.
func (a *Adapter) onEvent(ctx context.Context, raw []byte) (response, error) {
	var env eventEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return response{}, errBadRequest
	}
	switch env.Type {
	case slackevents.URLVerification:
		return response{body: map[string]string{"challenge": env.Challenge}}, nil
	case slackevents.CallbackEvent:
	default:
		return response{}, nil
	}
	if a.o.Engine == nil {
		return response{}, errNoEngine
	}
	self := a.BotUserID()
	for _, au := range env.Authorizations {
		if au.IsBot && self == "" {
			self = au.UserID
		}
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(env.Event, &head); err != nil {
		return response{}, errBadRequest
	}
	var c capture
	switch head.Type {
	case string(slackevents.ReactionAdded):
		var ev slackevents.ReactionAddedEvent
		if err := json.Unmarshal(env.Event, &ev); err != nil {
			return response{}, errBadRequest
		}
		name, _, _ := strings.Cut(ev.Reaction, "::") // drop a skin tone
		if name != a.emoji || ev.Item.Type != "message" || ev.User == self {
			return response{}, nil
		}
		c = capture{channel: ev.Item.Channel, ts: ev.Item.Timestamp, author: ev.ItemUser, addedBy: ev.User}
	case string(slackevents.PinAdded):
		var ev slackevents.PinAddedEvent
		if err := json.Unmarshal(env.Event, &ev); err != nil {
			return response{}, errBadRequest
		}
		// The bot pins its own incident cards: those are not notes.
		if ev.User == self || ev.Item.Type != "message" || ev.Item.Message == nil {
			return response{}, nil
		}
		ch := ev.Channel
		if ch == "" {
			ch = ev.Item.Channel
		}
		msg := ev.Item.Message
		c = capture{channel: ch, ts: msg.Timestamp, author: msg.User, text: msg.Text, known: true, addedBy: ev.User}
	default:
		return response{}, nil
	}
	if c.channel == "" || c.ts == "" {
		return response{}, nil
	}
	_, _, err := a.captureNote(ctx, c)
	return response{}, err
}

// onShortcut handles the "Add to incident timeline" message shortcut.
func (a *Adapter) onShortcut(ctx context.Context, cb slack.InteractionCallback) (response, error) {
	msg := cb.Message
	ts := msg.Timestamp
	if ts == "" {
		ts = cb.MessageTs
	}
	author := msg.User
	if author == "" {
		author = msg.BotID
	}
	c := capture{channel: cb.Channel.ID, ts: ts, author: author, authorName: msg.Username, text: msg.Text, known: true, addedBy: cb.User.ID, addedByName: cb.User.Name}
	reply, ok, err := a.captureNote(ctx, c)
	if err != nil {
		return response{}, err
	}
	switch {
	case !ok:
		reply = bot.ErrorReply("This channel belongs to no incident: only messages in an incident's channel can go on its timeline.")
	case reply.Duplicate:
		reply = bot.TextReply("📌 That message is already on the incident's timeline.")
	}
	user := a.actor(cb.User.ID, cb.User.Name)
	responseURL, channel := cb.ResponseURL, cb.Channel.ID
	return response{after: func(ctx context.Context) { a.reply(ctx, responseURL, channel, user, reply) }}, nil
}

// capture is a chat message to put on an incident's timeline.
type capture struct {
	channel, ts string
	// author wrote the message; known says text and author are given
	// (a pin, a shortcut) rather than to be looked up (a reaction).
	author, authorName string
	text               string
	known              bool
	// addedBy pinned, reacted or used the shortcut.
	addedBy, addedByName string
}

// captureNote records the message as a note on the timeline of the
// incident whose channel it is in, by its author, with its permalink and
// who added it. It is keyed by the message, so a message pinned, reacted
// to and shortcut — or one event delivered three times — is one note.
// handled is false when the channel is no incident's or the message is
// gone; err is for failures worth a retry (the store, Slack itself).
func (a *Adapter) captureNote(ctx context.Context, c capture) (reply bot.Reply, handled bool, err error) {
	ref := channelRef(c.channel)
	if _, err := a.o.Incidents.GetIncidentByChannel(ctx, ref); errors.Is(err, storage.ErrNotFound) {
		return bot.Reply{}, false, nil
	} else if err != nil {
		return bot.Reply{}, false, fmt.Errorf("look up channel %s: %w", c.channel, err)
	}
	if !c.known {
		msg, err := a.fetchMessage(ctx, c.channel, c.ts)
		if err != nil {
			return bot.Reply{}, false, err
		}
		if msg == nil {
			return bot.Reply{}, false, nil
		}
		c.text, c.authorName = msg.Text, msg.Username
		if c.author == "" {
			c.author = msg.User
		}
		if c.author == "" {
			c.author = msg.BotID
		}
	}
	// Message text comes escaped and with Slack's markup, like a slash
	// command's.
	text := strings.TrimSpace(inboundText(c.text))
	if text == "" {
		text = "(a message without text)"
	}
	fields := map[string]string{"text": truncateBytes(text, maxNoteBytes)}
	if c.addedBy != "" {
		fields[bot.FieldAddedBy] = incident.Actor{Platform: Platform, ID: c.addedBy}.Ref()
	}
	link, err := a.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: c.channel, Ts: c.ts})
	if err != nil {
		// The note matters more than its link: record it without one.
		a.log.WarnContext(ctx, "could not get the message's permalink", "channel", c.channel, "ts", c.ts, "err", sanitize(err))
	} else if link != "" {
		fields[bot.FieldPermalink] = link
	}
	var author incident.Actor
	switch {
	case c.author != "":
		lctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		name := a.users.lookup(lctx, c.author)
		cancel()
		if name == "" {
			name = c.authorName
		}
		author = incident.Actor{Platform: Platform, ID: c.author, Name: name}
	default:
		author = a.actor(c.addedBy, c.addedByName)
	}
	reply, err = a.o.Engine.Handle(ctx, bot.Invocation{
		ID:      "slack:note:" + c.channel + ":" + c.ts,
		Channel: ref,
		Actor:   author,
		Command: bot.CmdNote,
		Args:    fields,
		Source:  incident.SourceTyped,
	})
	if err != nil {
		return bot.Reply{}, false, err
	}
	return reply, true, nil
}

// fetchMessage finds the message at ts in a channel: in its history, or,
// for a reply in a thread, among the thread's replies. nil means gone.
func (a *Adapter) fetchMessage(ctx context.Context, channel, ts string) (*slack.Message, error) {
	h, err := a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: channel, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1,
	})
	if err != nil {
		if isCode(err, "channel_not_found") {
			return nil, nil
		}
		return nil, classify("conversations.history", err)
	}
	for i := range h.Messages {
		if h.Messages[i].Timestamp == ts {
			return &h.Messages[i], nil
		}
	}
	// Slack may put the thread's parent first whatever the bounds: ask for
	// a few and pick the one at ts.
	msgs, _, _, err := a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
		ChannelID: channel, Timestamp: ts, Latest: ts, Oldest: ts, Inclusive: true, Limit: 10,
	})
	if err != nil {
		if isCode(err, "thread_not_found", "message_not_found", "channel_not_found") {
			return nil, nil
		}
		return nil, classify("conversations.replies", err)
	}
	for i := range msgs {
		if msgs[i].Timestamp == ts {
			return &msgs[i], nil
		}
	}
	return nil, nil
}

// truncateBytes cuts s to at most n bytes on a character boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
