package bot_test

import (
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// Renaming gives the incident a better title once more is known: the card
// and the channel topic follow, the timeline keeps the old and new titles,
// and only those allowed may do it.
func TestRename(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev1 Checkout errors")

		r := h.do(bob, ch, "rename Payments provider outage")
		if !r.Error || !strings.Contains(r.Message.Fallback, "Only the lead or whoever declared it may rename "+key) {
			t.Fatalf("bob renamed: %q", r.Message.Fallback)
		}
		r = h.do(alice, ch, "rename Payments provider \x1b[31moutage\x1b[0m for <@U9|zed>")
		if r.Error || !strings.Contains(r.Message.Fallback, `Renamed `+key+` to "Payments provider outage for @zed"`) {
			t.Fatalf("rename: %q", r.Message.Fallback)
		}
		h.drain()
		if got := h.incident(key).Title; got != "Payments provider outage for @zed" {
			t.Fatalf("title %q", got)
		}
		ev := h.lastEvent(key)
		if ev.Kind != incident.KindRenamed || ev.Text != "Payments provider outage for @zed" ||
			ev.Data["from"] != "Checkout errors" || ev.Data["to"] != "Payments provider outage for @zed" || !ev.Actor.Same(alice) {
			t.Fatalf("renamed event %+v", ev)
		}
		updates := h.rec.Ops("update")
		if len(updates) == 0 || !strings.Contains(updates[len(updates)-1].Message.Blocks[0].Text.String(), "SEV1 "+key+": Payments provider outage for @zed") {
			t.Fatalf("card not updated: %+v", updates)
		}
		topics := h.rec.Ops("topic")
		if len(topics) == 0 || !strings.Contains(topics[len(topics)-1].Topic, "Payments provider outage for @zed") {
			t.Fatalf("topic not updated: %+v", topics)
		}
		var announced bool
		for _, p := range h.rec.Ops("post") {
			if strings.Contains(p.Message.Fallback, `renamed `+key+`: "Checkout errors" → "Payments provider outage for @zed"`) {
				announced = true
			}
		}
		if !announced {
			t.Error("the rename was not announced in the channel")
		}

		for line, want := range map[string]string{
			"rename":                                   "Usage: /incident rename <title>",
			"rename " + strings.Repeat("y", 250):       "250 characters",
			"rename Payments provider outage for @zed": "already called",
		} {
			if r := h.do(alice, ch, line); !r.Error || !strings.Contains(r.Message.Fallback, want) {
				t.Errorf("%.40q: %q, want an error containing %q", line, r.Message.Fallback, want)
			}
		}
		if got := kinds(h.events(key)); got != "declared/typed permission_denied/typed renamed/typed" {
			t.Fatalf("timeline: %s", got)
		}
		if !strings.Contains(h.engine.HelpText().String(), "/incident rename <title>") {
			t.Error("help does not list rename")
		}
	})
}

// permissions.rename replaces the default.
func TestRenamePermission(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{Permissions: bot.Permissions{Rename: []string{"group:comms"}}, Groups: incident.Groups{"comms": {"slack:U3"}}})
		key, ch := h.declare(alice, "declare sev2 Slow search")
		if r := h.do(alice, ch, "rename Search index rebuild"); !r.Error || !strings.Contains(r.Message.Fallback, "Only group:comms may rename "+key) {
			t.Fatalf("alice renamed: %q", r.Message.Fallback)
		}
		if r := h.do(carol, lobby, key+" rename Search index rebuild"); r.Error {
			t.Fatalf("carol (comms) refused: %q", r.Message.Fallback)
		}
	})
}
