package slack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Block and action IDs of the declare modal: the bot.Field* names.
var modalInputs = []string{bot.FieldTitle, bot.FieldSeverity, bot.FieldServices, bot.FieldImpactStarted, bot.FieldDescription}

// modalPrefill is what a title-less declare already said.
type modalPrefill struct {
	Here     bool
	Private  bool
	Severity incident.Severity
}

// modalMeta travels in the modal's private_metadata to its submission.
type modalMeta struct {
	Channel string `json:"c"`
	Here    bool   `json:"h,omitempty"`
}

// wantsModal reports whether a slash command's text asks for the declare
// modal: no text at all, or declare with no title ("declare",
// "declare here", "declare private sev1").
func wantsModal(text string) (modalPrefill, bool) {
	t := strings.TrimSpace(text)
	if t == "" || strings.EqualFold(t, "/incident") {
		return modalPrefill{}, true
	}
	c, ok := bot.DeclareWithoutTitle(t)
	if !ok {
		return modalPrefill{}, false
	}
	return modalPrefill{Here: c.Flag(bot.FieldHere), Private: c.Flag(bot.FieldPrivate), Severity: c.Severity(bot.FieldSeverity)}, true
}

// openDeclareModal opens the declare modal with the trigger_id. If Slack
// refuses, the user is told how to declare by typing instead.
func (a *Adapter) openDeclareModal(ctx context.Context, triggerID string, ch incident.ChannelRef, pre modalPrefill) response {
	ctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	_, err := a.api.OpenViewContext(ctx, triggerID, declareView(modalMeta{Channel: ch.ChannelID, Here: pre.Here}, pre))
	if err == nil {
		return response{}
	}
	a.log.WarnContext(ctx, "could not open the declare form", "channel", ch.ChannelID, "err", sanitize(err))
	return response{body: ephemeral(bot.ErrorReply("Slack would not open the declare form. Type it instead: `%s`", bot.Usage(bot.CmdDeclare)))}
}

// declareView is the declare modal: title, severity, services, impact
// start and description, as the bot.Field* inputs.
func declareView(meta modalMeta, pre modalPrefill) slack.ModalViewRequest {
	sev := pre.Severity
	if sev == "" {
		sev = incident.DefaultSeverity
	}
	metaJSON, _ := json.Marshal(meta) // two plain fields
	input := func(id, label, placeholder, hint string, optional, multiline bool) *slack.InputBlock {
		el := slack.NewPlainTextInputBlockElement(plain(placeholder), id)
		el.Multiline = multiline
		var h *slack.TextBlockObject
		if hint != "" {
			h = plain(hint)
		}
		b := slack.NewInputBlock(id, plain(label), h, el)
		b.Optional = optional
		return b
	}
	title := input(bot.FieldTitle, "Title", "Checkout errors on /pay", "", false, false)
	title.Element.(*slack.PlainTextInputBlockElement).MaxLength = 150
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for _, s := range []struct {
		sev  incident.Severity
		desc string
	}{
		{incident.Sev1, "Critical: most customers cannot use the product"},
		{incident.Sev2, "Major: a key feature is broken for many"},
		{incident.Sev3, "Minor: degraded, with a workaround"},
		{incident.Sev4, "Low: cosmetic or internal only"},
	} {
		o := slack.NewOptionBlockObject(string(s.sev), plain(strings.ToUpper(string(s.sev))), plain(s.desc))
		if s.sev == sev {
			initial = o
		}
		opts = append(opts, o)
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Severity"), bot.FieldSeverity, opts...)
	sel.InitialOption = initial
	severity := slack.NewInputBlock(bot.FieldSeverity, plain("Severity"), nil, sel)

	submit := "Declare"
	if meta.Here {
		submit = "Declare here"
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackDeclare,
		Title:           plain("Declare an incident"),
		Submit:          plain(submit),
		Close:           plain("Cancel"),
		PrivateMetadata: string(metaJSON),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			title,
			severity,
			input(bot.FieldServices, "Affected services", "checkout, payments", "Names the mitigation actions offered.", true, false),
			input(bot.FieldImpactStarted, "Customer impact started", "-15m, 14:05 (UTC) or 2026-03-01T14:05:00Z", "Leave empty if it started just now.", true, false),
			input(bot.FieldDescription, "What is happening?", "Error rate 40% on /pay since the 14:00 deploy", "", true, true),
			privateInput(pre.Private),
		}},
	}
}

// onDeclareSubmit declares from the modal. A refused declaration answers
// with the error under the input it is about, keeping the modal open; a
// good one closes the modal and confirms privately in the channel.
func (a *Adapter) onDeclareSubmit(ctx context.Context, cb slack.InteractionCallback) (response, error) {
	var meta modalMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.Channel == "" {
		return response{body: slack.NewErrorsViewSubmissionResponse(map[string]string{bot.FieldTitle: "This form is out of date: close it and type /incident again."})}, nil
	}
	fields := map[string]string{}
	if cb.View.State != nil {
		for _, id := range modalInputs {
			v := cb.View.State.Values[id][id]
			val := v.Value
			if id == bot.FieldSeverity {
				val = v.SelectedOption.Value
			}
			if val = strings.TrimSpace(val); val != "" {
				fields[id] = val
			}
		}
	}
	if fields[bot.FieldTitle] == "" {
		return response{body: slack.NewErrorsViewSubmissionResponse(map[string]string{bot.FieldTitle: "Give the incident a title."})}, nil
	}
	// The form is a structured declare: the title and the flags are
	// arguments by name, so the engine never reads the title's first word
	// as "here" or a severity ("Here maps down", "Several users…").
	if meta.Here {
		fields[bot.FieldHere] = "true"
	}
	if privateChecked(cb.View.State) {
		fields[bot.FieldPrivate] = "true"
	}
	user := a.actor(cb.User.ID, cb.User.Name)
	inv := bot.Invocation{
		ID:      "slack:view:" + cb.View.ID + ":" + fieldsHash(fields),
		Channel: channelRef(meta.Channel),
		Actor:   user,
		Command: bot.CmdDeclare,
		Args:    fields,
		Source:  incident.SourceTyped,
	}
	reply, err := a.o.Engine.Handle(ctx, inv)
	if err != nil {
		return response{}, err
	}
	if reply.Error {
		msg := truncate(strings.TrimSpace(reply.Message.Fallback), 300)
		return response{body: slack.NewErrorsViewSubmissionResponse(map[string]string{modalErrorBlock(msg): msg})}, nil
	}
	return response{after: func(ctx context.Context) {
		if meta.Here && !reply.Duplicate {
			a.ensureMember(ctx, meta.Channel)
		}
		a.reply(ctx, "", meta.Channel, user, reply)
	}}, nil
}

// modalErrorBlock is the input a declare error is about.
func modalErrorBlock(msg string) string {
	l := strings.ToLower(msg)
	switch {
	case strings.Contains(l, "impact start") || strings.Contains(l, "impact cannot start"):
		return bot.FieldImpactStarted
	case strings.Contains(l, "severity"):
		return bot.FieldSeverity
	case strings.Contains(l, "service"):
		return bot.FieldServices
	}
	return bot.FieldTitle
}

// fieldsHash identifies one submission of a modal: the same view
// submitted again with other values (after an error) is a new submission.
func fieldsHash(f map[string]string) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k + "\x00" + f[k] + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
