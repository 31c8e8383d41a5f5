package discord

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/incident"
)

// The longest commands the engine puts on buttons: a run ID is a UUID, a
// check-in fire ID an int64, an action ID at most 64 bytes.
const (
	longUUID     = "0198c7d2-6f4e-7b1a-9c3d-2e5f8a7b6c4d"
	longActionID = "roll-back-the-checkout-api-deployment-in-eu-west-1-to-previous-v"
)

func longestCommands() []string {
	return []string{
		actions.CmdConfirm + " " + longUUID,
		actions.CmdVerify + " " + longUUID + " worked",
		actions.CmdVerify + " " + longUUID + " failed",
		actions.CmdApprove + " " + longUUID,
		actions.CmdCancel + " " + longUUID,
		checkin.CmdAnswer + " " + strconv.FormatInt(-9223372036854775808, 10) + " partial",
		actions.CmdRun + " " + longActionID,
	}
}

// checkGrid fails t on anything Discord would refuse or render disabled in
// the components of a message.
func checkGrid(t *testing.T, rows []discordgo.MessageComponent) {
	t.Helper()
	if len(rows) > maxRows {
		t.Errorf("%d action rows, Discord allows %d", len(rows), maxRows)
	}
	ids := map[string]bool{}
	for i, r := range rows {
		row := r.(discordgo.ActionsRow)
		if len(row.Components) == 0 || len(row.Components) > maxRowButtons {
			t.Errorf("row %d has %d components", i, len(row.Components))
		}
		for _, c := range row.Components {
			var id string
			switch v := c.(type) {
			case discordgo.Button:
				id = v.CustomID
				if v.Disabled || strings.HasPrefix(id, offPrefix) {
					t.Errorf("row %d: button %q is disabled", i, v.Label)
				}
				if n := len([]rune(v.Label)); n == 0 || n > maxButtonLabel {
					t.Errorf("row %d: label of %d characters", i, n)
				}
			case discordgo.SelectMenu:
				id = v.CustomID
				if len(row.Components) != 1 {
					t.Errorf("row %d: a select menu shares its row", i)
				}
				if len(v.Options) == 0 || len(v.Options) > maxMenuOptions {
					t.Errorf("row %d: menu of %d options", i, len(v.Options))
				}
				values := map[string]bool{}
				for _, o := range v.Options {
					if len(o.Value) > maxOptionValue || len([]rune(o.Label)) > maxOptionLabel || len([]rune(o.Description)) > maxOptionDesc {
						t.Errorf("row %d: option %q over a limit", i, o.Label)
					}
					if values[o.Value] {
						t.Errorf("row %d: option value %q twice", i, o.Value)
					}
					values[o.Value] = true
				}
			}
			if len(id) == 0 || len(id) > maxCustomID {
				t.Errorf("row %d: custom_id %q of %d characters", i, id, len(id))
			}
			if ids[id] {
				t.Errorf("custom_id %q twice", id)
			}
			ids[id] = true
		}
	}
}

// reachable counts, per command, the buttons and menu options that run it.
func reachable(rows []discordgo.MessageComponent) map[string]int {
	n := map[string]int{}
	count := func(id string) {
		if c, ok := decodeCustomID(id); ok && !c.dismiss {
			n[c.command]++
		}
	}
	for _, r := range rows {
		for _, c := range r.(discordgo.ActionsRow).Components {
			switch v := c.(type) {
			case discordgo.Button:
				count(v.CustomID)
			case discordgo.SelectMenu:
				for _, o := range v.Options {
					count(o.Value)
				}
			}
		}
	}
	return n
}

// Every button of the longest command the engine makes works on Discord,
// with or without a confirmation: none is disabled, none over 100.
func TestLongestEngineCommandsMakeWorkingButtons(t *testing.T) {
	for _, cmd := range longestCommands() {
		for _, confirm := range []*bot.Confirm{nil, {Title: "Run again?", Text: strings.Repeat("Roll back checkout-api in every region? ", 5)}} {
			var m bot.Message
			m.Buttons(bot.Button{Label: "It worked", Command: cmd, Style: bot.StylePrimary, Confirm: confirm})
			if refused := refusedButtons(m); len(refused) != 0 {
				t.Fatalf("%q (confirm %v) refused", cmd, confirm != nil)
			}
			rows := Render(m).Components
			checkGrid(t, rows)
			if got := reachable(rows); got[cmd] != 1 {
				t.Errorf("%q (confirm %v): reachable %v", cmd, confirm != nil, got)
			}
		}
	}
}

// A command Discord cannot carry is a bug of the engine: the button shows
// disabled (never runs something else) and the adapter is told.
func TestOverlongCommandIsRefused(t *testing.T) {
	at100 := "note " + strings.Repeat("x", 95)
	for _, b := range []bot.Button{
		{Label: "Too long", Command: at100 + "x"},
		{Label: "Too long to ask", Command: at100, Confirm: &bot.Confirm{Text: "Sure?"}},
		{Label: "Ambiguous", Command: "note a|b", Confirm: &bot.Confirm{Text: "Sure?"}},
	} {
		var m bot.Message
		m.Buttons(b)
		if refused := refusedButtons(m); len(refused) != 1 || refused[0].Label != b.Label {
			t.Errorf("%q: refused %v", b.Label, refused)
		}
		btn := components(m)[0].(discordgo.ActionsRow).Components[0].(discordgo.Button)
		if !btn.Disabled || !strings.HasPrefix(btn.CustomID, offPrefix) {
			t.Errorf("%q: %+v, want disabled", b.Label, btn)
		}
	}
	var m bot.Message
	m.Buttons(bot.Button{Label: "Just fits", Command: at100})
	if refused := refusedButtons(m); len(refused) != 0 {
		t.Errorf("a 100-byte command refused")
	}
}

func manyActions(n int) []bot.ActionButton {
	out := make([]bot.ActionButton, n)
	for i := range out {
		out[i] = bot.ActionButton{ID: fmt.Sprintf("action-%02d", i), Title: fmt.Sprintf("Action %d", i)}
		if i%3 == 0 {
			out[i].Danger, out[i].Confirm = true, fmt.Sprintf("Really run action %d?", i)
		}
	}
	return out
}

// Every mitigation action of an incident is reachable on the card, once.
func TestManyActionsAllReachable(t *testing.T) {
	now := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	inc := &incident.Incident{ID: 7, Key: "INC-7", Title: "Checkout errors", Severity: incident.Sev1, Impact: incident.ImpactOngoing,
		Cause: incident.CauseUnknown, State: incident.StateOpen, DeclaredAt: now, ImpactStartedAt: now}
	for _, n := range []int{30, 45, 90} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			acts := manyActions(n)
			rows := Render(bot.IncidentCard(inc, now, acts)).Components
			checkGrid(t, rows)
			got := reachable(rows)
			for _, a := range acts {
				if got["run "+a.ID] != 1 {
					t.Errorf("run %s reachable %d times", a.ID, got["run "+a.ID])
				}
			}
			for _, cmd := range []string{"mitigated", "actions", "timeline"} {
				if got[cmd] != 1 {
					t.Errorf("%s reachable %d times", cmd, got[cmd])
				}
			}
			// The answers stay buttons on the first row.
			first := rows[0].(discordgo.ActionsRow).Components[0].(discordgo.Button)
			if first.CustomID != "mitigated" {
				t.Errorf("first button %q", first.CustomID)
			}
		})
	}
}

// Past what five rows can hold, the last option lists the rest privately.
func TestTooManyActionsOfferTheList(t *testing.T) {
	var m bot.Message
	m.Buttons(bot.Button{Label: "Yes, mitigated", Command: "answer 1 yes"})
	m.Buttons(bot.ActionButtons(manyActions(150))...)
	rows := components(m)
	checkGrid(t, rows)
	last := rows[len(rows)-1].(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu)
	if o := last.Options[len(last.Options)-1]; o.Value != "actions" {
		t.Fatalf("last option %+v, want /incident actions", o)
	}
	got := reachable(rows)
	if got["answer 1 yes"] != 1 || got["run action-00"] != 1 || got["run action-98"] != 1 || got["run action-99"] != 0 {
		t.Fatalf("reachable %v", got)
	}
}

// A paged list of actions that overflows links the page holding the first
// action left out, in a menu option that says so.
func TestTooManyPagedActionsLinkTheNextPage(t *testing.T) {
	var m bot.Message
	m.Buttons(bot.Button{Label: "Yes, mitigated", Command: "answer 1 yes"})
	m.PagedButtons(bot.ActionsPaging(0), bot.ActionButtons(manyActions(150))...)
	rows := components(m)
	checkGrid(t, rows)
	last := rows[len(rows)-1].(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu)
	if o := last.Options[len(last.Options)-1]; o.Value != "actions 4" || o.Label != "More actions (page 4)…" {
		t.Fatalf("last option %+v, want page 4 of /incident actions", o)
	}
	got := reachable(rows)
	if got["run action-98"] != 1 || got["run action-99"] != 0 {
		t.Fatalf("reachable %v", got)
	}
	// A page further on starts counting where it starts.
	var p bot.Message
	p.PagedButtons(bot.ActionsPaging(100), bot.ActionButtons(manyActions(110))...)
	opts := components(p)
	menu := opts[len(opts)-1].(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu)
	// A row of five, then 99 in menus: item 100+104 is the first left out.
	if o := menu.Options[len(menu.Options)-1]; o.Value != "actions 9" {
		t.Fatalf("last option %+v, want actions 9 (item 204 is on page 9)", o)
	}
}
