package discord

import (
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// Component limits (discord.com/developers/docs/components/reference).
const (
	maxCustomID    = 100
	maxButtonLabel = 80
	maxRowButtons  = 5
	maxRows        = 5
	maxMenuOptions = 25
	maxOptionLabel = 100
	maxOptionValue = 100
	maxOptionDesc  = 100
	maxPlaceholder = 150
)

// A component's custom_id says what a click does:
//
//	"<command line>"          run the command, as if typed (source: button)
//	"?<command line>"         first ask "are you sure? [Confirm] [Cancel]";
//	"?<command line>|<text>"  Confirm carries "<command line>"; the question
//	                          is <text> when it fits, else the label
//	"!<form> <command line>"  open the bot's form <form> (a modal); its
//	                          submission runs the command with the answers
//	"~dismiss"                the Cancel of such a question
//	"~menu:N", "~off:N"       a select menu (its options' values are as
//	                          above), a disabled button
//
// Everything a click needs is in the custom_id, so any replica can answer
// it, before or after a restart. Discord has no confirmation dialog; the
// question is a courtesy and the engine checks permission again on Confirm.
// The question text is optional: it rides along only in the room the
// command leaves, so a command of up to 100 bytes (99 with a Confirm, for
// the "?") always makes a working button.
const (
	askPrefix  = "?"
	uiPrefix   = "~"
	askSep     = "|"
	dismissID  = "~dismiss"
	menuPrefix = "~menu:"
	offPrefix  = "~off:"
)

// minQuestion is the shortest question worth carrying: below that the
// prompt reads better with the button's label.
const minQuestion = 12

// customID encodes a button of the model; ok is false when it cannot be
// expressed in Discord's 100 characters (a command longer than that, which
// is a bug of whoever made the button) or at all (an empty command, one
// that looks like this encoding, or a confirm-first command containing the
// "|" that ends the command in the encoding).
func customID(b bot.Button) (string, bool) {
	cmd := strings.TrimSpace(b.Command)
	if cmd == "" || strings.HasPrefix(cmd, askPrefix) || strings.HasPrefix(cmd, uiPrefix) || bot.IsFormRef(cmd) || len(cmd) > maxCustomID {
		return "", false
	}
	if b.Form != nil {
		id := bot.FormRef(b.Form.ID, cmd)
		return id, len(id) <= maxCustomID
	}
	if b.Confirm == nil {
		return cmd, true
	}
	id := askPrefix + cmd
	if len(id) > maxCustomID || strings.Contains(cmd, askSep) {
		return "", false
	}
	text := strings.TrimSpace(b.Confirm.Text)
	if text == "" {
		text = strings.TrimSpace(b.Confirm.Title)
	}
	if room := maxCustomID - len(id) - len(askSep); text != "" && room >= minQuestion {
		id += askSep + truncate(incident.Printable(text), room)
	}
	return id, true
}

// click is what a component's custom_id asks for.
type click struct {
	dismiss bool
	ask     bool
	// form, when set, is the form to open before command runs.
	form    *bot.Form
	command string
	// question is the confirmation text carried by an ask.
	question string
}

// decodeCustomID reads a custom_id written by customID; ok is false for
// anything else.
func decodeCustomID(id string) (click, bool) {
	switch {
	case id == dismissID:
		return click{dismiss: true}, true
	case bot.IsFormRef(id):
		form, cmd, ok := bot.ParseFormRef(id)
		if !ok {
			return click{}, false
		}
		return click{form: &form, command: cmd}, true
	case strings.HasPrefix(id, uiPrefix):
		return click{}, false
	case strings.HasPrefix(id, askPrefix):
		cmd, q, _ := strings.Cut(id[len(askPrefix):], askSep)
		if strings.TrimSpace(cmd) == "" {
			return click{}, false
		}
		return click{ask: true, command: cmd, question: q}, true
	case strings.TrimSpace(id) == "":
		return click{}, false
	}
	return click{command: id}, true
}

func buttonLabel(s string) string {
	s = truncate(incident.Printable(s), maxButtonLabel)
	if strings.TrimSpace(s) == "" {
		return "…"
	}
	return s
}

func buttonStyle(s bot.ButtonStyle) discordgo.ButtonStyle {
	switch s {
	case bot.StylePrimary:
		return discordgo.PrimaryButton
	case bot.StyleDanger:
		return discordgo.DangerButton
	}
	return discordgo.SecondaryButton
}

// confirmPrompt is the private question a confirm-first button asks.
func confirmPrompt(c click, label string) *discordgo.InteractionResponseData {
	q := strings.TrimSpace(c.question)
	if q == "" && label != "" {
		q = "**" + label + "**: are you sure?"
	}
	if q == "" {
		q = "Run `/incident " + c.command + "`?"
	}
	return &discordgo.InteractionResponseData{
		Content: truncate(q, maxContent),
		Flags:   discordgo.MessageFlagsEphemeral,
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Confirm", Style: discordgo.DangerButton, CustomID: c.command},
			discordgo.Button{Label: "Cancel", Style: discordgo.SecondaryButton, CustomID: dismissID},
		}}},
		Embeds:          []*discordgo.MessageEmbed{},
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}
}

// clickedLabel finds the label of the component a click came from, for a
// prompt whose text did not fit in the custom_id.
func clickedLabel(msg *discordgo.Message, customID string) string {
	if msg == nil {
		return ""
	}
	for _, c := range msg.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, x := range row.Components {
			switch v := x.(type) {
			case *discordgo.Button:
				if v.CustomID == customID {
					return v.Label
				}
			case *discordgo.SelectMenu:
				for _, o := range v.Options {
					if o.Value == customID {
						return o.Label
					}
				}
			}
		}
	}
	return ""
}
