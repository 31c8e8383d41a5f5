package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
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

// goroutineDeliverer records which goroutine made each post.
type goroutineDeliverer struct {
	*bottest.Recorder
	mu   sync.Mutex
	byID map[string]int
}

func (d *goroutineDeliverer) Post(ctx context.Context, ch string, m bot.Message, o bot.PostOptions) (string, error) {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id := string(bytes.Fields(buf)[1]) // "goroutine 42 [running]:"
	d.mu.Lock()
	d.byID[id]++
	d.mu.Unlock()
	return d.Recorder.Post(ctx, ch, m, o)
}

func (d *goroutineDeliverer) goroutines() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.byID)
}

// Notes typed one after another are delivered by the same few goroutines
// rather than one new goroutine each (whose stack slack-go's encoding
// grows again every time), and when the sender stops, none of those
// goroutines is left behind.
func TestSenderDeliversOnReusedWorkers(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		_, ch := h.declare(alice, "declare sev2 checkout is down")
		h.drain()
		workersBefore := len(stacksWith("(*pipeline).work"))
		d := &goroutineDeliverer{Recorder: bottest.NewRecorder("slack"), byID: map[string]int{}}
		sender := bot.NewSender(bot.SenderOptions{Store: s, Clock: h.clock, Deliverers: []bot.Deliverer{d}, Poll: 20 * time.Millisecond})
		stop := runSender(sender)
		defer stop() // a second stop returns at once
		const notes = 20
		var want []string
		for i := 1; i <= notes; i++ {
			h.do(alice, ch, fmt.Sprintf("note step-%d", i))
			want = append(want, fmt.Sprintf("step-%d", i))
			waitPostedInEach(t, d.Recorder, []incident.ChannelRef{ch}, strings.Join(want, " "))
		}
		if n := d.goroutines(); n > 3 {
			t.Errorf("%d notes, typed one after another, were posted from %d goroutines; want the same few reused", notes, n)
		}
		stop()
		// Counted against before: a sender another test left running
		// keeps its own workers. A worker that has ended may still be
		// on its way out of work (its deferred calls), so this waits a
		// little; one that was not ended would wait for workerIdle (a
		// minute).
		waitFor(t, func() bool { return len(stacksWith("(*pipeline).work")) <= workersBefore }, func() string {
			return "delivery workers left running after the sender stopped:\n" + strings.Join(stacksWith("(*pipeline).work"), "\n\n")
		})
	})
}

// stacksWith returns the stacks of the goroutines whose stack mentions fn.
func stacksWith(fn string) []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			out = append(out, g)
		}
	}
	return out
}
