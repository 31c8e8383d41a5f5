package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// DefaultSlowClaim is how long an outbox claim may take before the store
// refreshes the table's statistics (see Store.ClaimOutbox).
const DefaultSlowClaim = 250 * time.Millisecond

// analyzeEvery bounds how often a slow claim makes the store run ANALYZE.
const analyzeEvery = time.Minute

// WithSlowClaim sets the claim duration past which the outbox's planner
// statistics are refreshed (DefaultSlowClaim when 0; tests lower it).
func WithSlowClaim(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.slowClaim = d
		}
	}
}

// claimStats remembers when the outbox was last analyzed because of a
// slow claim, so that at most one ANALYZE runs per analyzeEvery.
type claimStats struct {
	slow time.Duration
	mu   sync.Mutex
	last time.Time
	wg   sync.WaitGroup
}

// ClaimOutbox leases due messages (see querier.ClaimOutbox) and keeps the
// claim's plan sound. The claim's anti-join is planned from the table's
// statistics; an outbox that was quiet when last analyzed and then fills
// up during a big incident can get a plan whose cost grows with the square
// of the backlog, just when delivery matters most, until autovacuum
// analyzes the table (up to a minute or more later). A claim that takes
// longer than the slow-claim limit therefore runs ANALYZE outbox in the
// background (at most once a minute), which also replaces the cached plan.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error) {
	start := time.Now()
	msgs, err := s.querier.ClaimOutbox(ctx, now, lease, limit)
	if took := time.Since(start); took > s.claims.slow {
		s.analyzeOutbox(took)
	}
	return msgs, err
}

func (s *Store) analyzeOutbox(took time.Duration) {
	c := &s.claims
	c.mu.Lock()
	if !c.last.IsZero() && time.Since(c.last) < analyzeEvery {
		c.mu.Unlock()
		return
	}
	c.last = time.Now()
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s.log.Info("outbox claim was slow; refreshing the outbox's planner statistics", "took", took)
		if _, err := s.pool.Exec(ctx, "ANALYZE outbox"); err != nil {
			s.log.Warn("could not analyze the outbox", "err", mapErr("analyze outbox", err))
		}
	}()
}
