package bot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// slowDeliverer is a Recorder whose posts take a while and honour their
// context, as an HTTP call does.
type slowDeliverer struct {
	*bottest.Recorder
	started chan struct{}
	once    sync.Once
	delay   time.Duration
}

func (d *slowDeliverer) Post(ctx context.Context, ch string, m bot.Message, o bot.PostOptions) (string, error) {
	d.once.Do(func() { close(d.started) })
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(d.delay):
	}
	return d.Recorder.Post(ctx, ch, m, o)
}

// A shutdown while a message is being delivered lets that delivery finish
// and records it: otherwise the message is sent again after its lease, a
// duplicate in the channel.
func TestSenderFinishesInFlightDeliveryAtShutdown(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		if _, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: lobby, Actor: alice, Text: "declare sev2 slow"}); err != nil {
			t.Fatal(err)
		}
		d := &slowDeliverer{Recorder: bottest.NewRecorder("slack"), started: make(chan struct{}), delay: 200 * time.Millisecond}
		sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{d}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = sender.Run(ctx)
		}()
		select {
		case <-d.started:
		case <-time.After(10 * time.Second):
			t.Fatal("the sender never started delivering")
		}
		cancel() // shutdown, mid-delivery
		<-done
		posts := len(d.Ops("post"))
		if posts == 0 {
			t.Fatal("the delivery in flight at shutdown was cut short")
		}
		stats, err := s.OutboxStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// What was delivered is marked: a restart does not send it again.
		restart := bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{d.Recorder}})
		h.clock.Advance(time.Hour) // any lease has run out
		if err := restart.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, p := range d.Ops("post") {
			seen[p.Message.Fallback]++
		}
		for text, n := range seen {
			if n > 1 {
				t.Errorf("posted %d times after a shutdown and a restart: %q (outbox before restart: %+v)", n, text, stats)
			}
		}
	})
}
