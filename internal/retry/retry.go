// Package retry is the one way Tourniquet retries a connection or a call
// that failed for a reason that may pass (a platform or database that is
// down or restarting): exponential backoff with jitter from
// github.com/cenkalti/backoff, between a first and a longest wait, until
// the call succeeds, says it never will, or the context ends.
//
// It is a leaf utility: like every package under internal/, it imports the
// standard library, third-party modules and at most other leaves under
// internal/, never a package of the product (incident, bot, storage…), so
// that any package may import it.
package retry

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Policy is how long to wait between tries: First, then growing up to
// Longest, with ±20% jitter so that replicas do not retry in step. Tries
// bounds the number of tries (0: until ctx ends).
type Policy struct {
	First, Longest time.Duration
	Tries          uint
}

// Reconnect is the policy for a connection to a chat platform or the
// database: 1 s, then doubling to a minute.
var Reconnect = Policy{First: time.Second, Longest: time.Minute}

// Notify is told of each failure and how long until the next try.
type Notify func(err error, next time.Duration)

// Permanent marks err as one that retrying cannot fix: Do returns it at
// once (unwrapped).
func Permanent(err error) error { return backoff.Permanent(err) }

// After asks Do to wait d before the next try (a server's Retry-After),
// instead of the backoff's own wait, and to start the backoff over.
func After(d time.Duration) error { return &backoff.RetryAfterError{Duration: d} }

// Do calls op until it returns nil, a Permanent error, the policy's tries
// run out, or ctx ends (then ctx's error). op gets reset, which starts the
// backoff over: a long-lived connection calls it once it is up, so that a
// later drop is retried quickly again.
func Do(ctx context.Context, p Policy, op func(reset func()) error, notify Notify) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = p.First, p.Longest
	b.Multiplier, b.RandomizationFactor = 2, 0.2
	opts := []backoff.RetryOption{backoff.WithBackOff(b), backoff.WithMaxElapsedTime(0)}
	if p.Tries > 0 {
		opts = append(opts, backoff.WithMaxTries(p.Tries))
	}
	if notify != nil {
		opts = append(opts, backoff.WithNotify(backoff.Notify(notify)))
	}
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		return struct{}{}, op(b.Reset)
	}, opts...)
	return err
}
