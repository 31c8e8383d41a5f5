package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// stuckDeliverer holds every post to one channel until released, as a
// Slack call that hangs or a post waiting for its pace would.
type stuckDeliverer struct {
	*bottest.Recorder
	channel string
	release chan struct{}
	once    sync.Once
	stuck   chan struct{}
}

func (d *stuckDeliverer) Post(ctx context.Context, ch string, m bot.Message, o bot.PostOptions) (string, error) {
	if ch == d.channel {
		d.once.Do(func() { close(d.stuck) })
		<-d.release
	}
	return d.Recorder.Post(ctx, ch, m, o)
}

// A slow delivery holds up its own channel only: the other channels'
// messages keep going out meanwhile, in order, and the slow channel's
// follow once it is released.
func TestSenderRunIsNotHeldUpByASlowChannel(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		_, slow := h.declare(alice, "declare sev2 slow one")
		_, fast := h.declare(alice, "declare sev2 fast one")
		d := &stuckDeliverer{Recorder: bottest.NewRecorder("slack"), channel: slow.ChannelID,
			release: make(chan struct{}), stuck: make(chan struct{})}
		sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{d}, Poll: 20 * time.Millisecond})
		h.do(alice, slow, "note slow-1")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = sender.Run(ctx)
		}()
		var releaseOnce sync.Once
		release := func() { releaseOnce.Do(func() { close(d.release) }) }
		defer func() {
			release() // a stuck Run must not hang the test
			cancel()
			<-done
		}()
		select {
		case <-d.stuck:
		case <-time.After(10 * time.Second):
			t.Fatal("the slow channel's post never started")
		}
		for _, n := range []string{"fast-1", "fast-2", "fast-3"} {
			h.do(alice, fast, "note "+n)
		}
		posted := func(ch incident.ChannelRef) []string {
			var out []string
			for _, p := range d.Ops("post") {
				if p.ChannelID == ch.ChannelID && strings.Contains(p.Message.Fallback, "noted") {
					out = append(out, p.Message.Fallback[strings.LastIndex(p.Message.Fallback, " ")+1:])
				}
			}
			return out
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(posted(fast)) < 3 {
			if time.Now().After(deadline) {
				t.Fatalf("the fast channel got %v while the slow one was stuck; want its three notes", posted(fast))
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got := strings.Join(posted(fast), " "); got != "fast-1 fast-2 fast-3" {
			t.Fatalf("fast channel order: %s", got)
		}
		h.do(alice, slow, "note slow-2")
		release()
		deadline = time.Now().Add(10 * time.Second)
		for len(posted(slow)) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("the slow channel got %v after its release", posted(slow))
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got := strings.Join(posted(slow), " "); got != "slow-1 slow-2" {
			t.Fatalf("slow channel order: %s", got)
		}
	})
}
