package discord

import (
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
)

// Component limits.
const (
	maxCustomID     = 100
	maxButtonLabel  = 80
	maxRowButtons   = 5
	maxRows         = 5
	maxMenuOptions  = 25
	maxOptionLabel  = 100
	maxOptionDesc   = 100
	maxPlaceholder  = 150
	menuPlaceholder = "More actions…"
)

// A component's custom_id says what a click does:
//
//	"<command line>"          run the command, as if typed (source: button)
//	"?<command line>|<text>"  first ask "<text> [Confirm] [Cancel]"; Confirm
//	                          carries "<command line>"; the text is cut to fit
//	"~dismiss"                the Cancel of such a question
//	"~menu:N", "~off:N"       a select menu (its options' values are as
//	                          above), a disabled button
//
// Everything a click needs is in the custom_id, so any replica can answer
// it, before or after a restart. Discord has no confirmation dialog; the
// question is a courtesy and the engine checks permission again on Confirm.
const (
	askPrefix  = "?"
	uiPrefix   = "~"
	askSep     = "|"
	dismissID  = "~dismiss"
	menuPrefix = "~menu:"
	offPrefix  = "~off:"
)

// customID encodes a button of the model; ok is false when it cannot be
// expressed in Discord's 100 characters.
func customID(b bot.Button) (string, bool) {
	cmd := strings.TrimSpace(b.Command)
	if cmd == "" || strings.HasPrefix(cmd, askPrefix) || strings.HasPrefix(cmd, uiPrefix) || len(cmd) > maxCustomID {
		return "", false
	}
	if b.Confirm == nil {
		return cmd, true
	}
	id := askPrefix + cmd
	if len(id) > maxCustomID {
		return "", false
	}
	text := strings.TrimSpace(b.Confirm.Text)
	if text == "" {
		text = strings.TrimSpace(b.Confirm.Title)
	}
	// The question text rides along when it fits; the prompt falls back to
	// the button's label and the command otherwise.
	if room := maxCustomID - len(id) - len(askSep); text != "" && room >= 12 && !strings.Contains(cmd, askSep) {
		id += askSep + truncate(text, room)
	}
	return id, true
}

// click is what a component's custom_id asks for.
type click struct {
	dismiss bool
	ask     bool
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

// componentRow is one row: buttons, or a menu of more choices.
type componentRow struct {
	buttons []bot.Button
	menu    []bot.Button
}

// components lays a message's buttons out in Discord's grid: each buttons
// block takes a row of up to five; a block with more puts the rest in a
// select menu on the next row; past five rows, everything after the fourth
// goes into one select menu. Buttons with the same custom_id (Discord
// refuses duplicates) are shown once.
func components(m bot.Message) []discordgo.MessageComponent {
	var rows []componentRow
	for _, b := range m.Blocks {
		if b.Kind != bot.BlockButtons || len(b.Buttons) == 0 {
			continue
		}
		if len(b.Buttons) <= maxRowButtons {
			rows = append(rows, componentRow{buttons: b.Buttons})
			continue
		}
		rows = append(rows, componentRow{buttons: b.Buttons[:maxRowButtons]}, componentRow{menu: b.Buttons[maxRowButtons:]})
	}
	if len(rows) > maxRows {
		var rest []bot.Button
		for _, r := range rows[maxRows-1:] {
			rest = append(rest, r.buttons...)
			rest = append(rest, r.menu...)
		}
		rows = append(rows[:maxRows-1:maxRows-1], componentRow{menu: rest})
	}
	out := []discordgo.MessageComponent{}
	used := map[string]bool{}
	off := 0
	for i, r := range rows {
		var row discordgo.ActionsRow
		if r.menu != nil {
			if menu, ok := selectMenu(i, r.menu, used); ok {
				row.Components = append(row.Components, menu)
			}
		}
		for _, b := range r.buttons {
			id, ok := customID(b)
			if used[id] {
				continue
			}
			btn := discordgo.Button{Label: buttonLabel(b.Label), Style: buttonStyle(b.Style), CustomID: id}
			if !ok {
				off++
				btn.CustomID, btn.Disabled = offPrefix+strconv.Itoa(off), true
			}
			used[btn.CustomID] = true
			row.Components = append(row.Components, btn)
		}
		if len(row.Components) > 0 {
			out = append(out, row)
		}
	}
	return out
}

func selectMenu(i int, bs []bot.Button, used map[string]bool) (discordgo.SelectMenu, bool) {
	menu := discordgo.SelectMenu{MenuType: discordgo.StringSelectMenu, CustomID: menuPrefix + strconv.Itoa(i+1), Placeholder: menuPlaceholder}
	for _, b := range bs {
		id, ok := customID(b)
		if !ok || used[id] || len(menu.Options) == maxMenuOptions {
			continue
		}
		used[id] = true
		desc := "/incident " + strings.TrimSpace(b.Command)
		if b.Confirm != nil {
			desc += " (asks first)"
		}
		menu.Options = append(menu.Options, discordgo.SelectMenuOption{
			Label: truncate(b.Label, maxOptionLabel), Value: id, Description: truncate(desc, maxOptionDesc),
		})
	}
	one := 1
	menu.MinValues, menu.MaxValues = &one, 1
	return menu, len(menu.Options) > 0
}

func buttonLabel(s string) string {
	s = truncate(s, maxButtonLabel)
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
