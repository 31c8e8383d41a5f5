package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// claimCountingStore counts the sender's claims.
type claimCountingStore struct {
	storage.Store
	claims atomic.Int32
}

func (s *claimCountingStore) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error) {
	s.claims.Add(1)
	return s.Store.ClaimOutbox(ctx, now, lease, limit)
}

// wakeCountingStore counts claims and hands the sender a wake-up signal
// the test raises (the store's own is raised by every commit).
type wakeCountingStore struct {
	claimCountingStore
	wake chan struct{}
}

func (s *wakeCountingStore) OutboxWake() <-chan struct{} { return s.wake }

// postedIn is the last word of each note posted in ch, in order.
func postedIn(rec *bottest.Recorder, ch incident.ChannelRef) string {
	var out []string
	for _, p := range rec.Ops("post") {
		if p.ChannelID == ch.ChannelID {
			out = append(out, p.Message.Fallback[strings.LastIndex(p.Message.Fallback, " ")+1:])
		}
	}
	return strings.Join(out, " ")
}

// waitPostedInEach waits until every channel of chans has got the notes
// want (postedIn), in order.
func waitPostedInEach(t *testing.T, rec *bottest.Recorder, chans []incident.ChannelRef, want string) {
	t.Helper()
	waitFor(t, func() bool {
		for _, ch := range chans {
			if postedIn(rec, ch) != want {
				return false
			}
		}
		return true
	}, func() string {
		var got []string
		for _, ch := range chans {
			got = append(got, ch.ChannelID+": "+postedIn(rec, ch))
		}
		return "each channel should get " + want + "; got " + strings.Join(got, "; ")
	})
}

// Notes typed in six incident channels, two each, and the wake-up of each
// commit: every note reaches its channel, each channel's in order, and
// the burst costs a claim per round of deliveries, not one per wake-up:
// the wake-ups and finished deliveries that follow a claim within
// SenderOptions.Gather are served by one claim when it is over.
func TestSenderGathersWakeUpsIntoOneClaim(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		var chans []incident.ChannelRef
		for i := range 6 {
			_, ch := h.declare(alice, fmt.Sprintf("declare sev2 incident %d", i))
			chans = append(chans, ch)
		}
		h.drain()
		store := &wakeCountingStore{claimCountingStore: claimCountingStore{Store: s}, wake: make(chan struct{}, 1)}
		rec := bottest.NewRecorder("slack")
		sender := bot.NewSender(bot.SenderOptions{Store: store, Clock: h.clock, Deliverers: []bot.Deliverer{rec},
			Poll: time.Hour, Gather: 500 * time.Millisecond})
		stop := runSender(sender)
		defer stop()
		waitFor(t, func() bool { return store.claims.Load() == 1 }, func() string { return "the sender never claimed" })

		for round := 1; round <= 2; round++ {
			for _, ch := range chans {
				h.do(alice, ch, fmt.Sprintf("note round-%d", round))
			}
		}
		for range 12 { // one wake-up per commit, as the store raises them
			select {
			case store.wake <- struct{}{}:
			default:
			}
			time.Sleep(time.Millisecond)
		}
		waitPostedInEach(t, rec, chans, "round-1 round-2")
		// The first (empty) claim, one per round, perhaps one finding
		// nothing left: not one per wake-up or per delivery.
		if n := store.claims.Load(); n > 5 {
			t.Errorf("%d claims for 12 notes in 6 channels, want at most 5", n)
		}
	})
}
