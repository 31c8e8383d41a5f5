package bot

import (
	"context"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// maxMarkBatch caps the messages one statement marks delivered.
const maxMarkBatch = 512

// markBatcher marks delivered messages in groups: a delivery hands in its
// message's ID and waits; while one statement runs, the IDs that arrive
// gather for the next, so a burst of deliveries costs a few statements
// (and, on SQLite, a few commits) instead of one each. A delivery still
// returns only once its mark is durable: the channel's next message is
// not claimable before, and the order per channel is kept.
type markBatcher struct {
	store storage.Store
	now   func() time.Time

	mu      sync.Mutex
	running bool
	ids     []int64
	waiters []chan error
}

// mark records the delivery of claimed message id, with the others that
// arrive meanwhile, and says how it went for id.
func (b *markBatcher) mark(ctx context.Context, id int64) error {
	done := make(chan error, 1)
	b.mu.Lock()
	b.ids = append(b.ids, id)
	b.waiters = append(b.waiters, done)
	if b.running {
		b.mu.Unlock()
		return <-done
	}
	// This caller leads: it writes batches until none is waiting.
	b.running = true
	for len(b.ids) > 0 {
		n := min(len(b.ids), maxMarkBatch)
		ids, waiters := b.ids[:n:n], b.waiters[:n:n]
		b.ids, b.waiters = b.ids[n:], b.waiters[n:]
		b.mu.Unlock()
		errs := b.write(ctx, ids)
		for i, w := range waiters {
			w <- errs[i]
		}
		b.mu.Lock()
	}
	b.running = false
	b.ids, b.waiters = nil, nil
	b.mu.Unlock()
	return <-done
}

// write marks ids in one statement. When fewer rows changed than ids were
// given (a lease ran out and another worker finished a message), each is
// marked alone, so that each caller learns what happened to its message.
func (b *markBatcher) write(ctx context.Context, ids []int64) []error {
	errs := make([]error, len(ids))
	at := b.now()
	n, err := b.store.MarkDeliveredMany(ctx, ids, at)
	if err == nil && n == len(ids) {
		return errs
	}
	for i, id := range ids {
		errs[i] = b.store.MarkDelivered(ctx, id, at)
	}
	return errs
}

// maxCachedChannels bounds channelCache; past it the cache starts over.
const maxCachedChannels = 50_000

// channelCache remembers the channel each incident's messages go to on a
// platform, so that delivering a message does not load its incident.
// Only a found channel is kept, and it never changes: an incident's
// channels are kept in binding order and never removed (a released one
// stays), and ChannelOn picks the first on the platform.
type channelCache struct {
	mu sync.Mutex
	m  map[channelCacheKey]string
}

type channelCacheKey struct {
	incident int64
	platform string
}

func (c *channelCache) get(incidentID int64, platform string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.m[channelCacheKey{incidentID, platform}]
	return ch, ok
}

func (c *channelCache) put(incidentID int64, platform, channel string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedChannels {
		c.m = map[channelCacheKey]string{}
	}
	c.m[channelCacheKey{incidentID, platform}] = channel
}
