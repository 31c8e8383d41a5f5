package discord

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// transport says how an interaction arrived, which decides what a
// duplicate gets: over HTTP Discord waits for an answer; over the gateway
// every replica sees the interaction and only the one that claimed it may
// answer.
type transport int

const (
	overHTTP transport = iota
	overGateway
)

// workTimeout bounds the work behind one interaction once it has been
// answered with a deferred response.
const workTimeout = 30 * time.Second

// Texts shown privately to the person who interacted.
const (
	textStoreDown   = "⚠️ Tourniquet could not record this: its database is not answering. Nothing was changed; please try again in a moment."
	textDuplicate   = "Already received; it was handled once."
	textCancelled   = "Cancelled. Nothing was run."
	textUnsupported = "Tourniquet does not handle this kind of interaction."
	textStaleButton = "This button is from an older version of Tourniquet; use `/incident` instead."
)

// sendFunc delivers the first answer to an interaction: the HTTP response
// body, or the REST callback for the gateway.
type sendFunc func(ctx context.Context, resp *discordgo.InteractionResponse) error

// serve answers one interaction within Discord's 3 seconds: the engine
// normally answers at once; when it has not after DeferAfter, a deferred
// response goes first (type 5 for a command, 6 for a component) and the
// real answer follows through the interaction's webhook when it is ready.
// serve returns once the first answer is sent.
func (a *Adapter) serve(ctx context.Context, i *discordgo.Interaction, via transport, send sendFunc) {
	if i.Type == discordgo.InteractionPing {
		if err := send(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}); err != nil {
			a.log.WarnContext(ctx, "could not answer a ping", "err", err)
		}
		return
	}
	work, cancel := context.WithTimeout(context.WithoutCancel(ctx), workTimeout)
	done := make(chan *discordgo.InteractionResponse, 1)
	go func() { done <- a.answer(work, i, via) }()
	timer := time.NewTimer(a.o.DeferAfter)
	defer timer.Stop()
	select {
	case resp := <-done:
		defer cancel()
		if resp == nil {
			return // a duplicate that another replica answers
		}
		err := send(ctx, resp)
		switch {
		case err == nil:
			a.remember(i)
		case hasCode(err, codeAlreadyAcknowledged):
			// Another replica deferred it while waiting for our claim
			// (a slow database); the answer goes through the webhook.
			a.finish(work, i, resp)
		default:
			a.log.WarnContext(ctx, "could not answer an interaction", "interaction", i.ID, "err", err)
		}
	case <-timer.C:
		if err := send(ctx, deferredResponse(i)); err != nil {
			a.log.WarnContext(ctx, "could not defer an interaction", "interaction", i.ID, "err", err)
		}
		a.pending.Add(1)
		go func() {
			defer a.pending.Done()
			defer cancel()
			if resp := <-done; resp != nil {
				a.finish(work, i, resp)
			}
		}()
	}
}

// remember keeps the interaction's token for later private messages.
func (a *Adapter) remember(i *discordgo.Interaction) {
	a.tokens.put(i.ChannelID, actorOf(i).ID, i, a.clock.Now())
}

func deferredResponse(i *discordgo.Interaction) *discordgo.InteractionResponse {
	if i.Type == discordgo.InteractionMessageComponent {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	}
}

// finish delivers the answer of a deferred interaction: it edits the
// deferred reply of a command, or the message of a component whose answer
// replaces it (a confirmation), and otherwise sends a private follow-up.
func (a *Adapter) finish(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) {
	d := resp.Data
	if d == nil {
		return
	}
	s := a.hookSession()
	var err error
	if i.Type == discordgo.InteractionApplicationCommand || i.Type == discordgo.InteractionModalSubmit || resp.Type == discordgo.InteractionResponseUpdateMessage {
		edit := &discordgo.WebhookEdit{Content: &d.Content, Embeds: &d.Embeds, Components: &d.Components, AllowedMentions: d.AllowedMentions}
		err = a.call(ctx, s, "edit the answer to interaction "+i.ID, "", func(opts ...discordgo.RequestOption) error {
			_, err := s.InteractionResponseEdit(i, edit, opts...)
			return err
		})
	} else {
		params := &discordgo.WebhookParams{Content: d.Content, Embeds: d.Embeds, Components: d.Components,
			AllowedMentions: d.AllowedMentions, Flags: discordgo.MessageFlagsEphemeral}
		err = a.call(ctx, s, "follow up on interaction "+i.ID, "", func(opts ...discordgo.RequestOption) error {
			_, err := s.FollowupMessageCreate(i, true, params, opts...)
			return err
		})
	}
	if err != nil {
		a.log.WarnContext(ctx, "could not finish a deferred interaction", "interaction", i.ID, "err", err)
		return
	}
	a.remember(i)
}

// answer computes the response to an interaction; nil means do not answer.
func (a *Adapter) answer(ctx context.Context, i *discordgo.Interaction, via transport) *discordgo.InteractionResponse {
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
		if !ok {
			return private(textMessage(textUnsupported), false)
		}
		name, key, args, err := structured(data)
		if err != nil {
			return private(textMessage("⚠️ "+err.Error()+". Try `/incident help`."), false)
		}
		inv := a.invocation(i, "", args, incident.SourceTyped)
		inv.Command, inv.Incident = name, key
		return a.run(ctx, i, inv, via, false)
	case discordgo.InteractionMessageComponent:
		return a.click(ctx, i, via)
	case discordgo.InteractionModalSubmit:
		return a.submitForm(ctx, i, via)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}}}
	}
	return private(textMessage(textUnsupported), false)
}

// click handles a button or a select menu.
func (a *Adapter) click(ctx context.Context, i *discordgo.Interaction, via transport) *discordgo.InteractionResponse {
	data, ok := i.Data.(discordgo.MessageComponentInteractionData)
	if !ok {
		return private(textMessage(textUnsupported), false)
	}
	id := data.CustomID
	if strings.HasPrefix(id, menuPrefix) {
		if len(data.Values) == 0 {
			return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
		}
		id = data.Values[0]
	}
	c, ok := decodeCustomID(id)
	switch {
	case !ok:
		return private(textMessage(textStaleButton), false)
	case c.dismiss:
		return private(textMessage(textCancelled), true)
	case c.ask:
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: confirmPrompt(c, clickedLabel(i.Message, id))}
	case c.form != nil:
		return formModal(*c.form, id)
	}
	// A Confirm on a private question replaces the question with the answer.
	fromPrivate := i.Message != nil && i.Message.Flags&discordgo.MessageFlagsEphemeral != 0
	return a.run(ctx, i, a.invocation(i, c.command, nil, incident.SourceButton), via, fromPrivate)
}

// invocation is an interaction's invocation: a button's command line
// (text), with a form's answers (args) when the button opened one.
func (a *Adapter) invocation(i *discordgo.Interaction, text string, args map[string]string, src incident.Source) bot.Invocation {
	return bot.Invocation{
		ID:      "discord:" + i.ID,
		Channel: incident.ChannelRef{Platform: Platform, ChannelID: i.ChannelID},
		Actor:   actorOf(i),
		Text:    text,
		Args:    args,
		Source:  src,
	}
}

// run hands the invocation to the engine and turns its reply into the
// private answer. An engine error (the store is down) gets a private error,
// never a success without a record.
func (a *Adapter) run(ctx context.Context, i *discordgo.Interaction, inv bot.Invocation, via transport, update bool) *discordgo.InteractionResponse {
	reply, err := a.engine.Handle(ctx, inv)
	if err != nil {
		a.log.ErrorContext(ctx, "interaction not recorded", "interaction", i.ID, "err", err)
		return private(textMessage(textStoreDown), update)
	}
	if reply.Duplicate {
		if via == overGateway {
			return nil
		}
		if i.Type == discordgo.InteractionMessageComponent {
			return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
		}
		return private(textMessage(textDuplicate), false)
	}
	a.logRefused(ctx, reply.Message)
	return private(reply.Message, update)
}

func textMessage(s string) bot.Message {
	m := bot.Message{Fallback: s}
	m.Text(bot.Plain(s))
	return m
}

// private is an answer only the invoker sees: a new ephemeral message, or
// (update) a replacement of the private message clicked.
func private(m bot.Message, update bool) *discordgo.InteractionResponse {
	r := Render(m)
	d := &discordgo.InteractionResponseData{Content: r.Content, Embeds: r.Embeds, Components: r.Components, AllowedMentions: r.AllowedMentions}
	if update {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: d}
	}
	d.Flags = discordgo.MessageFlagsEphemeral
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: d}
}

// HandleGatewayInteraction answers an interaction that arrived over the
// gateway, through the REST callback. RunGateway calls it for every
// INTERACTION_CREATE; it is exported for tests that feed events directly.
func (a *Adapter) HandleGatewayInteraction(ctx context.Context, i *discordgo.Interaction) {
	a.serve(ctx, i, overGateway, func(ctx context.Context, resp *discordgo.InteractionResponse) error {
		s := a.hookSession()
		endpoint := discordgo.EndpointInteractionResponse(i.ID, i.Token)
		return a.call(ctx, s, "answer interaction "+i.ID, "", func(opts ...discordgo.RequestOption) error {
			_, err := s.RequestWithBucketID(http.MethodPost, endpoint, wireResponse(resp), endpoint, opts...)
			return err
		})
	})
}
