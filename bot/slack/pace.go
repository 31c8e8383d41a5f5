package slack

import (
	"context"
	"sync"
	"time"
)

// DefaultPostInterval is the pace of chat.postMessage per channel: Slack
// allows about one message per second per channel, with short bursts.
const DefaultPostInterval = time.Second

// pacer spaces posts to one channel at least interval apart.
//
// It waits in process rather than returning a short RetryAfterError: the
// Sender hands out one message per channel at a time, so a wait of at
// most one interval keeps the order, costs no outbox write and no attempt,
// and the other channels of the Sender's batch are delivered meanwhile. It
// reserves a slot before waiting, so concurrent posts to one channel (an
// ephemeral reply racing an incident post) are spaced too. Being a
// throttle on a remote service, it runs on the monotonic wall clock; tests
// replace now and sleep.
type pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	last map[string]time.Time // channel → the slot of its latest post
}

func newPacer(interval time.Duration) *pacer {
	return &pacer{interval: interval, now: time.Now, sleep: sleepCtx, last: map[string]time.Time{}}
}

// wait blocks until channel may be posted to, and claims that slot.
func (p *pacer) wait(ctx context.Context, channel string) error {
	if p == nil || p.interval <= 0 {
		return nil
	}
	p.mu.Lock()
	now := p.now()
	slot := now
	if last, ok := p.last[channel]; ok && last.Add(p.interval).After(now) {
		slot = last.Add(p.interval)
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
