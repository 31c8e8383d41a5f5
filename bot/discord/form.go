package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Modal limits (discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal,
// and the text input component).
const (
	maxModalTitle       = 45
	maxTextInputLabel   = 45
	maxTextPlaceholder  = 100
	maxTextInputLength  = 4000
	maxModalTextInputs  = 5
	textFormIncomplete  = "⚠️ The form came back without an answer; nothing was recorded. Press the button again."
	textFormUnavailable = "This form is from an older version of Tourniquet; use `/incident` instead."
)

// formModal is the answer to a click on a button with a bot.Form: a modal
// (interaction response type 9) with a text input per field. Its
// custom_id is the button's, so the submission carries the form and the
// command to run with its answers.
func formModal(form bot.Form, customID string) *discordgo.InteractionResponse {
	var rows []discordgo.MessageComponent
	for _, f := range form.Fields[:min(len(form.Fields), maxModalTextInputs)] {
		in := discordgo.TextInput{CustomID: f.Name, Label: truncate(incident.Printable(f.Label), maxTextInputLabel),
			Style: discordgo.TextInputShort, Placeholder: truncate(incident.Printable(f.Placeholder), maxTextPlaceholder),
			Required: true, MinLength: 1, MaxLength: maxTextInputLength}
		if f.Size == bot.FieldParagraph {
			in.Style = discordgo.TextInputParagraph
		}
		if f.MaxLen > 0 {
			in.MaxLength = min(f.MaxLen, maxTextInputLength)
		}
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{in}})
	}
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
		CustomID: customID, Title: truncate(incident.Printable(form.Title), maxModalTitle), Components: rows}}
}

// submitForm handles a MODAL_SUBMIT: the form's command runs with the
// answers as its arguments (Invocation.Args), and its reply is the
// private answer.
func (a *Adapter) submitForm(ctx context.Context, i *discordgo.Interaction, via transport) *discordgo.InteractionResponse {
	data, ok := i.Data.(discordgo.ModalSubmitInteractionData)
	if !ok {
		return private(textMessage(textUnsupported), false)
	}
	form, command, ok := bot.ParseFormRef(data.CustomID)
	if !ok {
		return private(textMessage(textFormUnavailable), false)
	}
	values := map[string]string{}
	collectInputs(data.Components, values)
	fields := map[string]string{}
	for _, f := range form.Fields {
		v := strings.TrimSpace(values[f.Name])
		if v == "" {
			return private(textMessage(textFormIncomplete), false)
		}
		fields[f.Name] = v
	}
	return a.run(ctx, i, a.invocation(i, command, fields, incident.SourceTyped), via, false)
}

// collectInputs gathers the text inputs of a submitted modal by custom_id.
func collectInputs(cs []discordgo.MessageComponent, into map[string]string) {
	for _, c := range cs {
		switch v := c.(type) {
		case *discordgo.ActionsRow:
			collectInputs(v.Components, into)
		case discordgo.ActionsRow:
			collectInputs(v.Components, into)
		case *discordgo.TextInput:
			into[v.CustomID] = v.Value
		case discordgo.TextInput:
			into[v.CustomID] = v.Value
		}
	}
}
