package bot_test

import (
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// A note changes nothing the channel topic or the card shows, so it sends
// neither a topic change nor a card update, only its line; a severity
// change sends both.
func TestTopicSentOnlyWhenItChanges(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		_, ch := h.declare(alice, "declare sev2 Checkout errors")
		h.drain()
		topics, updates := len(h.rec.Ops("topic")), len(h.rec.Ops("update"))
		h.do(alice, ch, "note looking at the dashboards")
		h.drain()
		if got := len(h.rec.Ops("topic")); got != topics {
			t.Errorf("a note sent %d topic changes, want none", got-topics)
		}
		if got := len(h.rec.Ops("update")); got != updates {
			t.Errorf("a note sent %d card updates, want none", got-updates)
		}
		if posts := h.rec.Ops("post"); !strings.Contains(posts[len(posts)-1].Message.Fallback, "looking at the dashboards") {
			t.Errorf("the note's line was not posted; last post %+v", posts[len(posts)-1])
		}
		h.do(alice, ch, "sev 1")
		h.drain()
		all := h.rec.Ops("topic")
		if len(all) != topics+1 || !strings.Contains(all[len(all)-1].Topic, "SEV1") {
			t.Fatalf("after sev 1: topics %+v, want one more naming SEV1", all[topics:])
		}
		cards := h.rec.Ops("update")
		if len(cards) != updates+1 || !strings.Contains(cards[len(cards)-1].Message.Fallback, "SEV1") {
			t.Fatalf("after sev 1: card updates %+v, want one more showing SEV1", cards[updates:])
		}
	})
}
