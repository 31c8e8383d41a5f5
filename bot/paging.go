package bot

import "strconv"

// ActionsPerPage is how many mitigation actions one page of
// /incident actions lists: one Slack actions block, one Discord select
// menu, and few enough that every page fits on every platform with its
// page buttons.
const ActionsPerPage = 25

// Paging says that a row of buttons is a stretch of a longer list that a
// command shows page by page ("actions 3"). A platform that runs out of
// room for the row's buttons (Discord shows at most about a hundred
// choices) offers the page that holds the first button it could not show,
// instead of dropping the rest: every item stays reachable.
type Paging struct {
	// Command shows a page when run with its number: "actions" runs as
	// "actions 3".
	Command string `json:"command"`
	// PerPage is how many items one page of Command shows.
	PerPage int `json:"per_page"`
	// First is the position in the whole list (from 0) of the row's first
	// button.
	First int `json:"first,omitempty"`
}

// PageOf is the page (from 1) that shows the row's button i.
func (p Paging) PageOf(i int) int {
	if p.PerPage <= 0 {
		return 1
	}
	return (p.First+i)/p.PerPage + 1
}

// CommandFor is the command that shows the page holding the row's button
// i: "actions 4".
func (p Paging) CommandFor(i int) string {
	return p.Command + " " + strconv.Itoa(p.PageOf(i))
}

// PagedButtons appends a row of buttons that are items of a paged list; an
// empty row is skipped.
func (m *Message) PagedButtons(p Paging, bs ...Button) *Message {
	if len(bs) == 0 {
		return m
	}
	return m.add(Block{Kind: BlockButtons, Buttons: bs, Paging: &p})
}

// ActionsPaging is the paging of a row of mitigation action buttons that
// starts with the action at position first of the incident's list.
func ActionsPaging(first int) Paging {
	return Paging{Command: CmdActions, PerPage: ActionsPerPage, First: first}
}
