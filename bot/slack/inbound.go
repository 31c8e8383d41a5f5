package slack

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// response is the answer to one inbound request, the same for both
// transports: the HTTP response body, or the Socket Mode ack payload.
type response struct {
	// body is the JSON answer (a slash command's private reply, a modal's
	// errors, a URL verification challenge); nil answers with nothing.
	body any
	// after is slow work to do once the answer is sent.
	after func(ctx context.Context)
}

// messageBody is a message in a slash command answer or to a response URL.
type messageBody struct {
	ResponseType    string        `json:"response_type,omitempty"`
	ReplaceOriginal *bool         `json:"replace_original,omitempty"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
}

// ephemeral is the private answer showing reply, or nil when there is
// nothing to show (a duplicate).
func ephemeral(reply bot.Reply) *messageBody {
	if reply.Duplicate || (len(reply.Message.Blocks) == 0 && strings.TrimSpace(reply.Message.Fallback) == "") {
		return nil
	}
	r := Render(reply.Message)
	return &messageBody{ResponseType: "ephemeral", Text: r.Text, Blocks: r.Blocks}
}

// onSlashCommand handles /incident. Without arguments, or a declare
// without a title, it opens the declare modal at once (the trigger_id
// lives three seconds). Anything else goes to the engine, deduplicated by
// the trigger_id; the reply is the private answer. The text is decoded
// from Slack's escaping and markup first (inboundText).
func (a *Adapter) onSlashCommand(ctx context.Context, sc slack.SlashCommand) (response, error) {
	if a.o.Engine == nil {
		return response{}, errNoEngine
	}
	ch := channelRef(sc.ChannelID)
	sc.Text = inboundText(sc.Text)
	if pre, ok := wantsModal(sc.Text); ok {
		return a.openDeclareModal(ctx, sc.TriggerID, ch, pre), nil
	}
	inv := bot.Invocation{
		Channel: ch,
		Actor:   a.actor(sc.UserID, sc.UserName),
		Text:    sc.Text,
		Source:  incident.SourceTyped,
	}
	if sc.TriggerID != "" {
		inv.ID = "slack:cmd:" + sc.TriggerID
	}
	reply, err := a.o.Engine.Handle(ctx, inv)
	if err != nil {
		return response{}, err
	}
	var resp response
	if b := ephemeral(reply); b != nil {
		resp.body = b
	}
	if c := reply.Command; c.Name == bot.CmdDeclare && c.Flag(bot.FieldHere) && !reply.Error && !reply.Duplicate {
		resp.after = func(ctx context.Context) { a.ensureMember(ctx, sc.ChannelID) }
	}
	return resp, nil
}

// Interaction callback IDs the adapter defines (deploy/slack manifests).
const (
	// CallbackAddToTimeline is the message shortcut "Add to incident timeline".
	CallbackAddToTimeline = "add_to_timeline"
	// CallbackDeclare is the declare modal.
	CallbackDeclare = "tq_declare"
)

// onInteraction handles button clicks, the message shortcut and the
// declare modal's submission. Anything else is acknowledged and ignored.
func (a *Adapter) onInteraction(ctx context.Context, cb slack.InteractionCallback) (response, error) {
	if a.o.Engine == nil {
		return response{}, errNoEngine
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return a.onClick(ctx, cb)
	case slack.InteractionTypeMessageAction:
		if cb.CallbackID != CallbackAddToTimeline {
			return response{}, nil
		}
		return a.onShortcut(ctx, cb)
	case slack.InteractionTypeViewSubmission:
		switch cb.View.CallbackID {
		case CallbackDeclare:
			return a.onDeclareSubmit(ctx, cb)
		case CallbackForm:
			return a.onFormSubmit(ctx, cb)
		}
		return response{}, nil
	}
	return response{}, nil
}

// onClick runs the command a Tourniquet button carries, deduplicated by
// the click's action_ts and user. The answer is an empty 200; the reply
// is shown privately afterwards.
func (a *Adapter) onClick(ctx context.Context, cb slack.InteractionCallback) (response, error) {
	var act *slack.BlockAction
	for _, ba := range cb.ActionCallback.BlockActions {
		if ba != nil && strings.HasPrefix(ba.ActionID, ActionIDPrefix) {
			act = ba
			break
		}
	}
	if act == nil || strings.TrimSpace(act.Value) == "" {
		return response{}, nil
	}
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	ts := act.ActionTs
	if ts == "" {
		ts = cb.ActionTs
	}
	user := a.actor(cb.User.ID, cb.User.Name)
	inv := bot.Invocation{Channel: channelRef(channel), Actor: user, Text: act.Value, Source: incident.SourceButton}
	switch {
	case ts != "":
		inv.ID = "slack:act:" + ts + ":" + cb.User.ID
	case cb.TriggerID != "":
		inv.ID = "slack:act:" + cb.TriggerID
	}
	if form, command, ok := bot.ParseFormRef(act.Value); ok {
		return a.openForm(ctx, cb, form, command, inv, cb.ResponseURL)
	}
	reply, err := a.o.Engine.Handle(ctx, inv)
	if err != nil {
		return response{}, err
	}
	responseURL := cb.ResponseURL
	return response{after: func(ctx context.Context) { a.reply(ctx, responseURL, channel, user, reply) }}, nil
}
