package slack

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/bot"
)

// DefaultPostInterval is the pace of chat.postMessage per channel: Slack
// allows about one message per second per channel, with short bursts.
const DefaultPostInterval = time.Second

// maxPaceHold is the longest a post waits for its channel's turn inside
// the Sender's delivery slot. A longer wait is handed back to the Sender
// (see pacer.wait).
const maxPaceHold = 50 * time.Millisecond

// pacer spaces posts to one channel at least interval apart.
//
// A short wait (up to maxPaceHold) is slept in process: it keeps the
// order and costs no outbox write. A longer one is not: the post returns a
// *bot.RetryAfterError marked NotTried, and the Sender defers the message
// to the channel's turn and uses the slot for other channels meanwhile.
// (Sleeping a whole interval in the slot would cap the Sender at Batch
// messages per interval across all channels: a backlog in a few hundred
// busy channels would never drain.) A slot is reserved only by a post that
// goes ahead, so concurrent posts to one channel (an ephemeral reply
// racing an incident post) are spaced too. Being a throttle on a remote
// service, it runs on the monotonic wall clock; tests replace now and
// sleep.
type pacer struct {
	interval time.Duration
	maxHold  time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	last map[string]time.Time // channel → the slot of its latest post
}

func newPacer(interval time.Duration) *pacer {
	return &pacer{interval: interval, maxHold: maxPaceHold, now: time.Now, sleep: sleepCtx, last: map[string]time.Time{}}
}

// errPaced is the cause of a post deferred by the pacer.
var errPaced = errors.New("slack: paced: one message per second per channel")

// wait blocks until channel may be posted to, and claims that slot; when
// the turn is more than maxHold away it claims nothing and returns a
// *bot.RetryAfterError (NotTried) saying when to come back, unless
// inPlace asks it to wait for the turn however far (a post the Sender
// cannot defer on its own, such as a channel's announcement).
func (p *pacer) wait(ctx context.Context, channel string, inPlace bool) error {
	if p == nil || p.interval <= 0 {
		return nil
	}
	p.mu.Lock()
	now := p.now()
	slot := now
	if last, ok := p.last[channel]; ok && last.Add(p.interval).After(now) {
		slot = last.Add(p.interval)
	}
	if d := slot.Sub(now); d > p.maxHold && !inPlace {
		p.mu.Unlock()
		return &bot.RetryAfterError{After: d, Err: errPaced, NotTried: true}
	}
	p.last[channel] = slot
	if len(p.last) > 4096 { // forget channels that are quiet
		for ch, t := range p.last {
			if now.Sub(t) > p.interval {
				delete(p.last, ch)
			}
		}
	}
	p.mu.Unlock()
	if d := slot.Sub(now); d > 0 {
		return p.sleep(ctx, d)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
