package slack

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// CallbackForm is the callback_id of the modals that a button's bot.Form
// opens (the cause of a diagnosis check-in's "Yes, identified").
const CallbackForm = "tq_form"

// Slack's modal limits (docs.slack.dev, "Modals" and "Plain-text input").
const (
	maxModalTitle   = 24
	maxModalButton  = 24
	maxInputLabel   = 2000
	maxPlaceholder  = 150
	maxInputLength  = 3000
	maxPrivateMeta  = 3000
	formOpenTimeout = 2500 * time.Millisecond
)

// formMeta travels in a form modal's private_metadata to its submission:
// where the button was clicked, which form, and the command to run.
type formMeta struct {
	Channel string `json:"c"`
	Form    string `json:"f"`
	Command string `json:"x"`
}

// buttonValue is what a button carries through a click: its command, or
// for a button that opens a form, a bot.FormRef naming both.
func buttonValue(b bot.Button) string {
	if b.Form != nil {
		return bot.FormRef(b.Form.ID, b.Command)
	}
	return b.Command
}

// openForm opens the form a clicked button names (views.open with the
// click's trigger_id, which lives three seconds). When Slack will not open
// it, the button's command runs without the form's answers, as on a
// platform without forms: the reply says what to type instead.
func (a *Adapter) openForm(ctx context.Context, cb slack.InteractionCallback, form bot.Form, command string, inv bot.Invocation, responseURL string) (response, error) {
	meta, _ := json.Marshal(formMeta{Channel: inv.Channel.ChannelID, Form: form.ID, Command: command}) // three strings
	if cb.TriggerID != "" && len(meta) <= maxPrivateMeta {
		octx, cancel := context.WithTimeout(ctx, formOpenTimeout)
		_, err := a.api.OpenViewContext(octx, cb.TriggerID, formView(form, string(meta)))
		cancel()
		if err == nil {
			return response{}, nil
		}
		a.log.WarnContext(ctx, "could not open a form; running its button without it", "form", form.ID, "channel", inv.Channel.ChannelID, "err", sanitize(err))
	}
	inv.Text = command
	reply, err := a.o.Engine.Handle(ctx, inv)
	if err != nil {
		return response{}, err
	}
	return response{after: func(ctx context.Context) { a.reply(ctx, responseURL, inv.Channel.ChannelID, inv.Actor, reply) }}, nil
}

// formView is the modal of a form: one plain-text input per field, its
// block_id and action_id the field's name.
func formView(form bot.Form, meta string) slack.ModalViewRequest {
	var blocks []slack.Block
	for _, f := range form.Fields {
		el := slack.NewPlainTextInputBlockElement(plain(truncate(f.Placeholder, maxPlaceholder)), f.Name)
		el.Multiline = f.Size == bot.FieldParagraph
		if f.MaxLen > 0 {
			el.MaxLength = min(f.MaxLen, maxInputLength)
		}
		if f.Placeholder == "" {
			el.Placeholder = nil
		}
		blocks = append(blocks, slack.NewInputBlock(f.Name, plain(truncate(f.Label, maxInputLabel)), nil, el))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackForm,
		Title:           plain(truncate(form.Title, maxModalTitle)),
		Submit:          plain(truncate(orDefault(form.Submit, "Submit"), maxModalButton)),
		Close:           plain("Cancel"),
		PrivateMetadata: meta,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// onFormSubmit runs a form's command with its answers. An empty answer, or
// a refusal from the engine, is shown under the form's first input and
// keeps the modal open; anything else closes it and the reply is shown
// privately in the channel of the click.
func (a *Adapter) onFormSubmit(ctx context.Context, cb slack.InteractionCallback) (response, error) {
	var meta formMeta
	form, ok := bot.Form{}, false
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err == nil && meta.Channel != "" && meta.Command != "" {
		form, ok = bot.LookupForm(meta.Form)
	}
	if !ok || len(form.Fields) == 0 {
		return response{body: slack.NewClearViewSubmissionResponse()}, nil
	}
	first := form.Fields[0].Name
	fields := map[string]string{}
	for _, f := range form.Fields {
		var v string
		if cb.View.State != nil {
			v = strings.TrimSpace(cb.View.State.Values[f.Name][f.Name].Value)
		}
		if v == "" {
			return response{body: slack.NewErrorsViewSubmissionResponse(map[string]string{f.Name: "Required: " + f.Label + "."})}, nil
		}
		fields[f.Name] = v
	}
	user := a.actor(cb.User.ID, cb.User.Name)
	inv := bot.Invocation{
		ID:      "slack:view:" + cb.View.ID + ":" + fieldsHash(fields),
		Channel: channelRef(meta.Channel),
		Actor:   user,
		Text:    meta.Command,
		Args:    fields,
		Source:  incident.SourceTyped,
	}
	reply, err := a.o.Engine.Handle(ctx, inv)
	if err != nil {
		return response{}, err
	}
	if reply.Error {
		msg := truncate(strings.TrimSpace(reply.Message.Fallback), 300)
		return response{body: slack.NewErrorsViewSubmissionResponse(map[string]string{first: msg})}, nil
	}
	return response{after: func(ctx context.Context) { a.reply(ctx, "", meta.Channel, user, reply) }}, nil
}
