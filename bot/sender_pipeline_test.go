package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
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
		// No polling: only the store's wake-up and finished deliveries
		// drive the sender, so refilling freed slots is what is tested.
		sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{d}, Poll: time.Hour})
		h.do(alice, slow, "note slow-1")
		stop := runSender(sender)
		var releaseOnce sync.Once
		release := func() { releaseOnce.Do(func() { close(d.release) }) }
		defer func() {
			release() // a stuck Run must not hang the test
			stop()
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
		waitFor(t, func() bool { return len(posted(fast)) >= 3 }, func() string {
			return fmt.Sprintf("the fast channel got %v while the slow one was stuck; want its three notes", posted(fast))
		})
		if got := strings.Join(posted(fast), " "); got != "fast-1 fast-2 fast-3" {
			t.Fatalf("fast channel order: %s", got)
		}
		h.do(alice, slow, "note slow-2")
		release()
		waitFor(t, func() bool { return len(posted(slow)) >= 2 }, func() string {
			return fmt.Sprintf("the slow channel got %v after its release", posted(slow))
		})
		if got := strings.Join(posted(slow), " "); got != "slow-1 slow-2" {
			t.Fatalf("slow channel order: %s", got)
		}
	})
}

// waitFor polls cond for up to 10 s and fails the test with why() if it
// never holds.
func waitFor(t *testing.T, cond func() bool, why func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(why())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hangingDeliverer hangs the first post of a channel until its context
// ends, as a Slack call that never answers does, and counts calls that
// overlap.
type hangingDeliverer struct {
	*bottest.Recorder
	channel string

	mu        sync.Mutex
	calls     int
	active    int
	maxActive int
	deadline  time.Duration // of the first call's context, from its start
}

func (d *hangingDeliverer) Post(ctx context.Context, ch string, m bot.Message, o bot.PostOptions) (string, error) {
	if ch != d.channel {
		return d.Recorder.Post(ctx, ch, m, o)
	}
	d.mu.Lock()
	d.calls++
	first := d.calls == 1
	d.active++
	d.maxActive = max(d.maxActive, d.active)
	if dl, ok := ctx.Deadline(); ok && first {
		d.deadline = time.Until(dl)
	}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.active--
		d.mu.Unlock()
	}()
	if first {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(2 * time.Second): // a sender that never cuts it off
			return "", errors.New("no answer")
		}
	}
	return d.Recorder.Post(ctx, ch, m, o)
}

// A call that hangs is cut off before its lease runs out, so the message
// is never claimed again while the first try is still in the air (two
// posts of one message); the retry then delivers it, once.
func TestSenderCutsOffADeliveryBeforeItsLeaseEnds(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		_, ch := h.declare(alice, "declare sev2 hanging api")
		h.do(alice, ch, "note rollback started")
		d := &hangingDeliverer{Recorder: bottest.NewRecorder("slack"), channel: ch.ChannelID}
		// The real clock: leases must really run out for a second claim
		// to be possible. The try is cut at 4/5 of the lease, and the
		// retry that follows, and the successful try's mark, must land
		// within the lease left: 150 ms (30 ms for a store write) was
		// too tight for -race on a loaded machine, where a mark slower
		// than that let the message be claimed and posted again.
		const lease = 600 * time.Millisecond
		sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: clock.Real{}, Deliverers: []bot.Deliverer{d},
			Lease: lease, Poll: 10 * time.Millisecond, BaseBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
		defer runSender(sender)()
		notes := func() int {
			n := 0
			for _, p := range d.Ops("post") {
				if strings.Contains(p.Message.Fallback, "rollback started") {
					n++
				}
			}
			return n
		}
		waitFor(t, func() bool { return notes() == 1 }, func() string { return "the note was never delivered after the hung try" })
		time.Sleep(3 * lease) // a wrongly re-claimed try would land now
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.maxActive != 1 {
			t.Errorf("%d tries of one message were in the air at once; want 1", d.maxActive)
		}
		if d.deadline <= 0 || d.deadline > lease {
			t.Errorf("the first try's deadline was %v away; want within the %v lease", d.deadline, lease)
		}
		if n := notes(); n != 1 {
			t.Errorf("the note was posted %d times; want once", n)
		}
	})
}

// pacedDeliverer answers the first post to one channel as the Slack
// adapter's pacer does when the channel's turn is far: not tried, come
// back later.
type pacedDeliverer struct {
	*bottest.Recorder
	channel string
	after   time.Duration

	mu    sync.Mutex
	tries []bot.PostOptions
}

func (d *pacedDeliverer) Post(ctx context.Context, ch string, m bot.Message, o bot.PostOptions) (string, error) {
	if ch == d.channel && strings.Contains(m.Fallback, "paced") {
		d.mu.Lock()
		d.tries = append(d.tries, o)
		first := len(d.tries) == 1
		d.mu.Unlock()
		if first {
			return "", &bot.RetryAfterError{After: d.after, Err: errors.New("paced"), NotTried: true}
		}
	}
	return d.Recorder.Post(ctx, ch, m, o)
}

// A message the adapter's pacing hands back is delivered when its turn
// comes, without any poll, once, and not as a retry (nothing went out);
// the slot it would have slept in serves another channel meanwhile.
func TestSenderDefersPacedMessages(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		_, paced := h.declare(alice, "declare sev2 paced channel")
		_, other := h.declare(alice, "declare sev2 other channel")
		d := &pacedDeliverer{Recorder: bottest.NewRecorder("slack"), channel: paced.ChannelID, after: 300 * time.Millisecond}
		sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: clock.Real{}, Deliverers: []bot.Deliverer{d},
			Batch: 1, Poll: time.Hour})
		h.do(alice, paced, "note paced one")
		h.do(alice, other, "note other one")
		defer runSender(sender)()
		order := func() []string {
			var out []string
			for _, p := range d.Ops("post") {
				if strings.Contains(p.Message.Fallback, "paced one") || strings.Contains(p.Message.Fallback, "other one") {
					out = append(out, p.ChannelID)
				}
			}
			return out
		}
		waitFor(t, func() bool { return len(order()) == 2 }, func() string {
			return fmt.Sprintf("delivered to %v; want both notes (the deferred one without a poll)", order())
		})
		if got := order(); got[0] != other.ChannelID || got[1] != paced.ChannelID {
			t.Errorf("delivery order %v; want the other channel first, while the paced one waited", got)
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if len(d.tries) != 2 || d.tries[1].Retry {
			t.Errorf("tries of the paced note: %+v; want 2, the second not marked a retry", d.tries)
		}
	})
}

// runSender runs sender until the returned stop is called; stop waits
// for Run to return.
func runSender(sender *bot.Sender) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = sender.Run(ctx)
	}()
	return func() { cancel(); <-done }
}
