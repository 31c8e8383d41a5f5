package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// /incident actions pages a long list: 25 actions a page, buttons to the
// pages around it, a clear refusal past the last one.
func TestActionsArePaged(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		var acts []bot.ActionButton
		for i := range 60 {
			acts = append(acts, bot.ActionButton{ID: fmt.Sprintf("act-%02d", i), Title: fmt.Sprintf("Action %d", i)})
		}
		h := newHarness(t, s, bot.Options{ActionsFor: func(*incident.Incident) []bot.ActionButton { return acts }})
		key, ch := h.declare(alice, "declare sev1 Everything")

		page := func(line string) (string, []bot.Button, string) {
			t.Helper()
			r := h.do(bob, ch, line)
			if r.Error {
				t.Fatalf("%q: %s", line, r.Message.Fallback)
			}
			var ctx []string
			for _, b := range r.Message.Blocks {
				if b.Kind == bot.BlockContext {
					ctx = append(ctx, b.Text.String())
				}
			}
			return r.Message.Blocks[0].Text.String(), r.Message.AllButtons(), strings.Join(ctx, " | ")
		}
		header, buttons, small := page("actions")
		if header != "Mitigation actions for "+key+" (page 1 of 3)" || len(buttons) != 26 ||
			buttons[0].Command != key+" run act-00" || buttons[24].Command != key+" run act-24" ||
			buttons[25].Label != "Page 2 →" || buttons[25].Command != key+" actions 2" {
			t.Fatalf("page 1: %q %+v", header, buttons)
		}
		if !strings.Contains(small, "Actions 1–25 of 60. /incident actions <page> shows another page.") {
			t.Errorf("page 1 small print: %q", small)
		}
		header, buttons, _ = page("actions 2")
		if header != "Mitigation actions for "+key+" (page 2 of 3)" || len(buttons) != 27 || buttons[0].Command != key+" run act-25" ||
			buttons[25].Command != key+" actions 1" || buttons[26].Command != key+" actions 3" {
			t.Fatalf("page 2: %q %+v", header, buttons)
		}
		header, buttons, _ = page(key + " actions 3")
		if header != "Mitigation actions for "+key+" (page 3 of 3)" || len(buttons) != 11 || buttons[9].Command != key+" run act-59" ||
			buttons[10].Label != "← Page 2" {
			t.Fatalf("page 3: %q %+v", header, buttons)
		}
		for line, want := range map[string]string{
			"actions 4":   key + " has 60 mitigation actions: 3 pages of 25. `/incident actions 3` is the last.",
			"actions two": "\"two\" is not a page number: `actions 2` shows the second page\nUsage: `/incident actions [page]`",
			"actions 0":   "\"0\" is not a page number",
		} {
			r := h.do(bob, ch, line)
			if !r.Error || !strings.Contains(r.Message.Blocks[0].Text.Notation(), want) {
				t.Errorf("%q: %q, want %q", line, r.Message.Blocks[0].Text.Notation(), want)
			}
		}
	})
}

// Asking for a page past the only one says so in plain words.
func TestActionsPageOfAShortList(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		acts := []bot.ActionButton{{ID: "rollback", Title: "Roll back"}, {ID: "kill", Title: "Kill switch"}}
		h := newHarness(t, s, bot.Options{ActionsFor: func(*incident.Incident) []bot.ActionButton { return acts }})
		key, ch := h.declare(alice, "declare sev1 Everything")
		r := h.do(bob, ch, "actions 2")
		if !r.Error || replyText(r) != "⚠️ "+key+" has 2 mitigation actions, all on one page: `/incident actions`." {
			t.Fatalf("actions 2: %q", replyText(r))
		}
		r = h.do(bob, ch, "actions")
		if r.Error || r.Message.Blocks[0].Text.String() != "Mitigation actions for "+key || len(r.Message.AllButtons()) != 2 {
			t.Fatalf("actions: %+v", r.Message)
		}
	})
}
