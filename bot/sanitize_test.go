package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// Text that is not UTF-8, or holds NUL characters, is stored cleaned up:
// a command is never refused as if the store were down because of what
// someone typed (the platform would retry it forever).
func TestHandleStoresTextThatIsNotClean(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 bytes")
		who := incident.Actor{Platform: "slack", ID: "U\xff9", Name: "Eve\x00 \xe5"}
		r, err := h.engine.Handle(context.Background(), bot.Invocation{ID: "slack:cmd:\x80\x00", Channel: ch, Actor: who,
			Text: "note caf\xe9 \x00and\x00 more"})
		if err != nil || r.Error {
			t.Fatalf("Handle: %v %+v", err, r.Message.Fallback)
		}
		evs := h.events(key)
		last := evs[len(evs)-1]
		if last.Kind != incident.KindNote || last.Text != "caf\uFFFD and more" || strings.ContainsRune(last.Actor.Name, 0) {
			t.Fatalf("stored %q by %+v", last.Text, last.Actor)
		}
		// The cleaned ID still deduplicates a redelivery.
		r, err = h.engine.Handle(context.Background(), bot.Invocation{ID: "slack:cmd:\x80\x00", Channel: ch, Actor: who, Text: "note again"})
		if err != nil || !r.Duplicate {
			t.Fatalf("redelivery: %v %+v", err, r)
		}
	})
}
