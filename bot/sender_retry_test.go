package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// optsRecorder remembers the PostOptions of every post and fails the
// first one as a platform that may or may not have posted it does.
type optsRecorder struct {
	*bottest.Recorder
	opts   []bot.PostOptions
	failed bool
}

func (d *optsRecorder) Post(ctx context.Context, ch string, m bot.Message, o bot.PostOptions) (string, error) {
	d.opts = append(d.opts, o)
	if !d.failed {
		d.failed = true
		return "", errors.New("slack chat.postMessage: 500 Internal Server Error")
	}
	return d.Recorder.Post(ctx, ch, m, o)
}

// Every try of one message carries the same key, and a try after the
// first says so, so that the adapter can look for an earlier copy.
func TestSenderGivesEveryTryTheSameKey(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		_, ch := h.declare(alice, "declare sev2 keys")
		d := &optsRecorder{Recorder: bottest.NewRecorder("slack"), failed: true}
		sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{d}})
		ctx := context.Background()
		if err := sender.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		d.opts, d.failed = nil, false
		h.do(alice, ch, "note one")
		if err := sender.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(5 * time.Second) // past the backoff
		if err := sender.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if len(d.opts) != 2 {
			t.Fatalf("%d tries of the note; want 2", len(d.opts))
		}
		first, second := d.opts[0], d.opts[1]
		if first.Key == "" || first.Key != second.Key {
			t.Fatalf("keys %q and %q; want one non-empty key for both tries", first.Key, second.Key)
		}
		if first.Retry || !second.Retry {
			t.Fatalf("Retry %v then %v; want false then true", first.Retry, second.Retry)
		}
		h.do(alice, ch, "note two")
		if err := sender.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if last := d.opts[len(d.opts)-1]; last.Key == first.Key || last.Retry {
			t.Fatalf("another message: key %q (first %q), retry %v", last.Key, first.Key, last.Retry)
		}
	})
}
