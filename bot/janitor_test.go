package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// The janitor keeps the outbox and the dedupe keys from growing forever
// without losing anything a responder needs: a message still to be sent
// goes out after the sweep, the incident card is still edited in place
// (its message reference is kept apart from the outbox), and a click is
// recognised as a repeat for as long as the dedupe window lasts, but no
// longer.
func TestJanitorPrunesOnlyWhatIsDone(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 checkout errors")
		if r := h.click(alice, ch, "status", "click-1"); r.Error {
			t.Fatalf("status click: %+v", r)
		}
		h.drain()
		delivered := len(h.rec.Deliveries())
		j := bot.NewJanitor(bot.JanitorOptions{Store: s, Clock: h.clock, BatchSize: 2})

		// A day later: the click's dedupe key is still remembered (24h TTL
		// not yet over) and nothing delivered is old enough to prune.
		h.clock.Advance(23 * time.Hour)
		if o, d, err := j.Sweep(ctx); err != nil || o != 0 || d != 0 {
			t.Fatalf("sweep after 23h = %d outbox, %d dedupe, %v; want nothing pruned", o, d, err)
		}
		before := len(h.events(key))
		h.click(alice, ch, "note a repeat", "click-1")
		if got := len(h.events(key)); got != before {
			t.Fatalf("a repeated click within the dedupe window was handled again (%d -> %d events)", before, got)
		}

		// Eight days later a new note and a severity change (which updates
		// the card) are pending when the sweep runs.
		h.clock.Advance(8 * 24 * time.Hour)
		h.do(alice, ch, "note still rolling back")
		h.do(alice, ch, "sev 1")
		o, d, err := j.Sweep(ctx)
		if err != nil || o < 3 || d != 1 {
			t.Fatalf("sweep after 8 days = %d outbox, %d dedupe, %v; want every earlier delivery and the click's key", o, d, err)
		}
		if o, d, err := j.Sweep(ctx); err != nil || o != 0 || d != 0 {
			t.Fatalf("second sweep = %d, %d, %v; want nothing left to prune", o, d, err)
		}
		h.drain()
		after := h.rec.Deliveries()[delivered:]
		var note, cardUpdate bool
		for _, dl := range after {
			switch {
			case dl.Op == "post" && strings.Contains(dl.Message.Fallback, "still rolling back"):
				note = true
			case dl.Op == "update":
				cardUpdate = true
				if dl.MessageID == "" {
					t.Errorf("card update without the card's message ID: %+v", dl)
				}
			}
		}
		if !note {
			t.Errorf("the note pending during the sweep was not delivered; got %+v", after)
		}
		if !cardUpdate {
			t.Errorf("the card was not updated in place after pruning; got %+v", after)
		}
		// The window is over: the same click ID is a new click now.
		before = len(h.events(key))
		h.click(alice, ch, "note after the window", "click-1")
		if got := len(h.events(key)); got != before+1 {
			t.Fatalf("a click ID reused after its window was ignored (%d -> %d events)", before, got)
		}
	})
}
