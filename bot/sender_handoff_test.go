package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// claimCountingHandoffStore counts claims and passes the store's handoff
// through (a plain wrapper would hide it, and the sender would claim).
type claimCountingHandoffStore struct{ claimCountingStore }

func (s *claimCountingHandoffStore) HandOffOutbox(now func() time.Time, lease time.Duration, take func([]storage.OutboxMessage)) func() {
	return s.Store.(storage.OutboxHandoff).HandOffOutbox(now, lease, take)
}

// Notes typed in incident channels reach them without the sender claiming
// anything: each note's message is leased to the sender in the note's own
// transaction and handed over after its commit. Typed faster than they
// are delivered, a channel's later notes wait behind its head and are
// claimed as before: every note arrives once, each channel's in order.
func TestSenderDeliversHandedMessagesWithoutClaims(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		if _, ok := s.(storage.OutboxHandoff); !ok {
			t.Skipf("%s store does not hand messages over", s.Dialect())
		}
		h := newHarness(t, s, bot.Options{})
		var chans []incident.ChannelRef
		for i := range 4 {
			_, ch := h.declare(alice, fmt.Sprintf("declare sev2 incident %d", i))
			chans = append(chans, ch)
		}
		h.drain()
		// The declarations' wake-up is still pending: take it, or the
		// sender would claim for it.
		select {
		case <-s.OutboxWake():
		default:
		}
		store := &claimCountingHandoffStore{claimCountingStore{Store: s}}
		rec := bottest.NewRecorder("slack")
		sender := bot.NewSender(bot.SenderOptions{Store: store, Clock: h.clock, Deliverers: []bot.Deliverer{rec},
			Poll: time.Hour})
		stop := runSender(sender)
		defer stop()
		waitFor(t, func() bool { return store.claims.Load() == 1 }, func() string { return "the sender never claimed" })

		// One note per channel at a time: all handed over, no claim, and
		// started as they are handed, without waking the sender's loop
		// (a thread wake-up each, twice per message before).
		turns := sender.RunTurns()
		for round := 1; round <= 2; round++ {
			for _, ch := range chans {
				h.do(alice, ch, fmt.Sprintf("note round-%d", round))
			}
			waitPostedInEach(t, rec, chans, roundsUpTo(round))
		}
		if n := store.claims.Load(); n != 1 {
			t.Errorf("%d claims for 8 handed notes, want only the sender's first (1)", n)
		}
		if n := sender.RunTurns() - turns; n > 2 {
			t.Errorf("the sender's loop woke %d times for 8 handed notes, want them started without it", n)
		}
		// Three notes per channel back to back: the later ones queue
		// behind the head and are claimed, in order, none twice.
		for round := 3; round <= 5; round++ {
			for _, ch := range chans {
				h.do(alice, ch, fmt.Sprintf("note round-%d", round))
			}
		}
		waitPostedInEach(t, rec, chans, roundsUpTo(5))
		time.Sleep(50 * time.Millisecond)
		waitPostedInEach(t, rec, chans, roundsUpTo(5))
	})
}

// roundsUpTo is "round-1 round-2 … round-n".
func roundsUpTo(n int) string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("round-%d", i))
	}
	return strings.Join(out, " ")
}
