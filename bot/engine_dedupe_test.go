package bot_test

import (
	"context"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestDuplicateTypedCommand: a typed command delivered twice (a platform
// retry) has one effect, and the retry is reported as a duplicate even
// where the first was answered without an incident: the store may read
// the claim's outcome only after the incident's load (ClaimDedupeLater),
// and the engine must look at it first.
func TestDuplicateTypedCommand(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev1 DB down")
		handle := func(id string, ch incident.ChannelRef, line string) bot.Reply {
			t.Helper()
			r, err := h.engine.Handle(context.Background(), bot.Invocation{ID: id, Channel: ch, Actor: bob, Text: line})
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return r
		}
		first, second := handle("trigger-1", ch, "note rolled back"), handle("trigger-1", ch, "note rolled back")
		if first.Duplicate || first.Error || !second.Duplicate {
			t.Fatalf("first %+v second %+v", first, second)
		}
		if got := kinds(h.events(key)); got != "declared/typed note/typed" {
			t.Fatalf("timeline: %s", got)
		}

		nowhere := incident.ChannelRef{Platform: "slack", ChannelID: "CNOWHERE"}
		first, second = handle("trigger-2", nowhere, "note rolled back"), handle("trigger-2", nowhere, "note rolled back")
		if first.Duplicate || !first.Error {
			t.Fatalf("first note outside an incident channel: %+v, want it refused", first)
		}
		if !second.Duplicate {
			t.Fatalf("retry of a note outside an incident channel: %+v, want a duplicate", second)
		}
	})
}
