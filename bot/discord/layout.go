package discord

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// moreCommand is what the last option of a message with more choices than
// Discord can show runs when the choices left out are no paged list: the
// list of mitigation actions, privately.
const moreCommand = bot.CmdActions

// choice is one button of the model with its encoded custom_id; ok is false
// for a button Discord cannot carry (see customID).
type choice struct {
	b  bot.Button
	id string
	ok bool
	// paging is the paging of the button's block, and at its position in
	// the block: where a link to the rest of a paged list must point.
	paging *bot.Paging
	at     int
}

// componentRow is one row: buttons, or one select menu of more choices.
type componentRow struct {
	buttons []choice
	menu    []choice
}

// grid is a message's buttons laid out in Discord's limits, and the buttons
// that could not be carried (shown disabled in a row, or left out of a
// menu) for the adapter to log.
type grid struct {
	rows    []componentRow
	refused []bot.Button
}

// components lays a message's buttons out in Discord's grid (see layout).
func components(m bot.Message) []discordgo.MessageComponent {
	return layout(m).render()
}

// refusedButtons are the buttons of m that Discord cannot carry: each is a
// bug of whoever made the message (a command over 100 bytes).
func refusedButtons(m bot.Message) []bot.Button { return layout(m).refused }

// layout lays a message's buttons out so that every one is reachable
// within Discord's limits: at most five rows, each of up to five buttons
// or one select menu of up to 25 options.
//
// Each buttons block of the message is a row of its first five buttons,
// as long as the rows left can take every other button in select menus of
// 25 (the first block always keeps its row: it holds the answers to the
// question asked). What does not fit in rows goes, in order, into menus.
// With more than 1 + 4×25 choices, the last option of the last menu shows
// the rest privately: the page of /incident actions that holds the first
// choice left out, when the choices are a paged list (bot.Paging).
// Buttons with the same custom_id (Discord refuses duplicates) are shown
// once.
func layout(m bot.Message) grid {
	var g grid
	var blocks [][]choice
	seen := map[string]bool{}
	for _, b := range m.Blocks {
		if b.Kind != bot.BlockButtons {
			continue
		}
		var block []choice
		for at, btn := range b.Buttons {
			id, ok := customID(btn)
			if !ok {
				g.refused = append(g.refused, btn)
			} else if seen[id] {
				continue
			}
			seen[id] = true
			block = append(block, choice{b: btn, id: id, ok: ok, paging: b.Paging, at: at})
		}
		if len(block) > 0 {
			blocks = append(blocks, block)
		}
	}
	if len(blocks) == 0 {
		return g
	}
	for keep := min(len(blocks), maxRows); keep >= 1; keep-- {
		var rest []choice
		g.rows = g.rows[:0]
		for _, block := range blocks[:keep] {
			g.rows = append(g.rows, componentRow{buttons: block[:min(len(block), maxRowButtons)]})
			rest = append(rest, block[min(len(block), maxRowButtons):]...)
		}
		for _, block := range blocks[keep:] {
			rest = append(rest, block...)
		}
		rest = menuChoices(rest)
		menus := (len(rest) + maxMenuOptions - 1) / maxMenuOptions
		if keep+menus <= maxRows || keep == 1 {
			g.rows = append(g.rows, menuRows(rest, maxRows-keep, g.rows)...)
			return g
		}
	}
	return g
}

// menuChoices keeps the choices a menu can offer: an option cannot be
// disabled, so one Discord cannot carry is left out (and was reported).
func menuChoices(cs []choice) []choice {
	out := cs[:0:0]
	for _, c := range cs {
		if c.ok {
			out = append(out, c)
		}
	}
	return out
}

// menuRows puts choices into at most n menus of 25, under the rows of
// buttons above; when they do not fit, the last option links the rest
// (see more).
func menuRows(cs []choice, n int, above []componentRow) []componentRow {
	if room := n * maxMenuOptions; len(cs) > room {
		shown := map[string]bool{}
		for _, r := range above {
			for _, c := range r.buttons {
				shown[c.id] = true
			}
		}
		for _, c := range cs[:room-1] {
			shown[c.id] = true
		}
		if m, ok := more(cs[room-1:], shown); ok {
			cs = append(cs[:room-1:room-1], m)
		} else {
			cs = cs[:room]
		}
	}
	var rows []componentRow
	for len(cs) > 0 {
		k := min(len(cs), maxMenuOptions)
		rows = append(rows, componentRow{menu: cs[:k]})
		cs = cs[k:]
	}
	return rows
}

// render turns the grid into Discord's action rows.
func (g grid) render() []discordgo.MessageComponent {
	out := []discordgo.MessageComponent{}
	off, first := 0, 1
	for i, r := range g.rows {
		var row discordgo.ActionsRow
		if len(r.menu) > 0 {
			row.Components = append(row.Components, selectMenu(i, first, r.menu))
			first += len(r.menu)
		}
		for _, c := range r.buttons {
			btn := discordgo.Button{Label: buttonLabel(c.b.Label), Style: buttonStyle(c.b.Style), CustomID: c.id}
			if !c.ok {
				off++
				btn.CustomID, btn.Disabled = offPrefix+strconv.Itoa(off), true
			}
			row.Components = append(row.Components, btn)
		}
		out = append(out, row)
	}
	return out
}

// selectMenu is row i's menu of choices, numbered from first in its
// placeholder when the message has several.
func selectMenu(i, first int, cs []choice) discordgo.SelectMenu {
	placeholder := "More actions…"
	if first > 1 || len(cs) == maxMenuOptions {
		placeholder = fmt.Sprintf("More actions (%d–%d)…", first, first+len(cs)-1)
	}
	menu := discordgo.SelectMenu{MenuType: discordgo.StringSelectMenu, CustomID: menuPrefix + strconv.Itoa(i+1),
		Placeholder: truncate(placeholder, maxPlaceholder)}
	for _, c := range cs {
		desc := "/incident " + strings.TrimSpace(c.b.Command)
		if c.b.Confirm != nil {
			desc += " (asks first)"
		}
		label := truncate(incident.Printable(c.b.Label), maxOptionLabel)
		if strings.TrimSpace(label) == "" {
			label = "…"
		}
		menu.Options = append(menu.Options, discordgo.SelectMenuOption{Label: label, Value: c.id, Description: truncate(desc, maxOptionDesc)})
	}
	one := 1
	menu.MinValues, menu.MaxValues = &one, 1
	return menu
}

// logRefused logs each button of m that Discord cannot carry: it is shown
// disabled, or left out of a menu, and that is a bug of whoever made it.
// The log names the command's verb and length, not its text (which may
// hold what someone typed).
func (a *Adapter) logRefused(ctx context.Context, m bot.Message) {
	for _, b := range refusedButtons(m) {
		verb, _, _ := strings.Cut(strings.TrimSpace(b.Command), " ")
		a.log.ErrorContext(ctx, "a button Discord cannot carry is shown disabled (its command is over 100 bytes)",
			"command", verb, "command_bytes", len(b.Command), "asks_first", b.Confirm != nil)
	}
}

// more is the option that stands for the choices left out: the page of
// their list that holds the first of them ("actions 4", when they are a
// paged list of actions), else the first page of the mitigation actions.
// ok is false when the message shows that option already (the card's
// "Show actions"): the room is better used for one more choice.
func more(left []choice, shown map[string]bool) (choice, bool) {
	cmd, label := moreCommand, "More actions…"
	for _, c := range left {
		if c.paging != nil && c.paging.Command != "" && c.paging.PerPage > 0 {
			cmd = c.paging.CommandFor(c.at)
			label = fmt.Sprintf("More actions (page %d)…", c.paging.PageOf(c.at))
			break
		}
	}
	if shown[cmd] {
		return choice{}, false
	}
	return choice{b: bot.Button{Label: label, Command: cmd}, id: cmd, ok: true}, true
}
