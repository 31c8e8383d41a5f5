package bot_test

import (
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// A mistyped command is answered with the command that was probably meant
// and its usage line, privately; a word that is nothing like a command
// still points at help.
func TestUnknownCommandSuggestsTheClosestOne(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 Checkout errors")
		for _, tt := range []struct{ typed, want string }{
			{"resolv", "⚠️ unknown command \"resolv\" — did you mean resolve?\nUsage: /incident resolve [--ongoing] [summary]"},
			{"stauts", "⚠️ unknown command \"stauts\" — did you mean status?\nUsage: /incident status"},
			{key + " timelin", "⚠️ unknown command \"timelin\" — did you mean timeline?\nUsage: /incident timeline"},
			{"mitigatd rolled back", "⚠️ unknown command \"mitigatd\" — did you mean mitigated?\nUsage: /incident mitigated [how]"},
			{"lst", "⚠️ unknown command \"lst\" — did you mean list?\nUsage: /incident list"},
			{"closee", "⚠️ unknown command \"closee\" — did you mean close?\nUsage: /incident resolve [--ongoing] [summary]"},
			{"frobnicate", "⚠️ unknown command \"frobnicate\"\nUsage: /incident help"},
			{"x", "⚠️ unknown command \"x\"\nUsage: /incident help"},
		} {
			r := h.do(bob, ch, tt.typed)
			if !r.Error {
				t.Fatalf("%q was not refused: %q", tt.typed, r.Message.Fallback)
			}
			if got := r.Message.Blocks[0].Text.String(); got != tt.want {
				t.Errorf("%q answered\n%q\nwant\n%q", tt.typed, got, tt.want)
			}
		}
		// Nothing was run: the timeline has the declaration only.
		if got := kinds(h.events(key)); got != "declared/typed" {
			t.Fatalf("timeline: %s", got)
		}
	})
}
