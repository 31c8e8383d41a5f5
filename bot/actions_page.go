package bot

import (
	"context"
	"fmt"
)

// actionsCommand is "actions [page]".
func actionsCommand() CommandSpec {
	return CommandSpec{
		Name:    CmdActions,
		Summary: "list the mitigation actions for this incident, 25 to a page",
		Brief:   "List the mitigation actions for this incident",
		Section: SectionMitigation,
		Needs:   OpenIncident,
		Args:    []Arg{{Name: "page", Kind: ArgPage, Help: "Which page of 25 actions (default: the first)"}},
		Handle:  engineHandler((*Engine).actions),
	}
}

// actions handles "actions [page]": the incident's mitigation actions,
// ActionsPerPage to a page, as lines and as buttons, with buttons to the
// pages before and after. A service can have more actions than a chat
// message can carry as buttons (Discord: about a hundred choices), and the
// pages keep every one of them a click away on every platform.
func (e *Engine) actions(ctx context.Context, tx *Tx, c Command) (Reply, error) {
	acts := e.Actions(tx.Incident)
	key := tx.Incident.Key
	if len(acts) == 0 {
		const setUp = "Safe moves are set up before incidents, per service, in the `actions` section of the configuration."
		if len(tx.Incident.Services) == 0 {
			return TextReply("No mitigation actions are configured for %s (it names no services yet: `/incident services <name…>`). "+setUp, key), nil
		}
		return TextReply("No mitigation actions are configured for %s. "+setUp, key), nil
	}
	pages := (len(acts) + ActionsPerPage - 1) / ActionsPerPage
	page := max(c.Number("page"), 1)
	if page > pages && pages == 1 {
		return keyed(tx.Incident, ErrorReply("%s has %d mitigation actions, all on one page: `/incident actions`.", key, len(acts))), nil
	}
	if page > pages {
		r := ErrorReply("%s has %d mitigation actions: %d pages of %d. `/incident actions %d` is the last.", key, len(acts), pages, ActionsPerPage, pages)
		r.IncidentKey = key
		return r, nil
	}
	first := (page - 1) * ActionsPerPage
	shown := acts[first:min(first+ActionsPerPage, len(acts))]

	m := Message{}
	title := "Mitigation actions for " + key
	if pages > 1 {
		title += fmt.Sprintf(" (page %d of %d)", page, pages)
	}
	m.Header(title)
	var lines []Rich
	for _, a := range shown {
		lines = append(lines, Textf("• `%s` — %s", a.ID, a.Title))
	}
	m.Text(Join("\n", lines...))
	m.PagedButtons(ActionsPaging(first), actionButtons(shown)...)
	var nav []Button
	if page > 1 {
		nav = append(nav, Button{Label: fmt.Sprintf("← Page %d", page-1), Command: fmt.Sprintf("%s %d", CmdActions, page-1)})
	}
	if page < pages {
		nav = append(nav, Button{Label: fmt.Sprintf("Page %d →", page+1), Command: fmt.Sprintf("%s %d", CmdActions, page+1)})
	}
	m.Buttons(nav...)
	if pages > 1 {
		m.Contextf("Actions %d–%d of %d. `/incident actions <page>` shows another page.", first+1, first+len(shown), len(acts))
	}
	m.Contextf("Running one asks for confirmation, checks that you are allowed, and records the outcome on the timeline.")
	m.Fallback = title
	return Reply{Message: m}, nil
}
