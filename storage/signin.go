package storage

import (
	"context"
	"time"
)

// SigninStore remembers which sign-in states came back, so that each is
// used once whichever replica a browser (or an attacker replaying its
// callback) reaches.
type SigninStore interface {
	// UseSigninState records the hash of a sign-in state as used at now,
	// kept until expires. It returns false when that state was used before.
	UseSigninState(ctx context.Context, hash string, now, expires time.Time) (bool, error)
	// DeleteExpiredSigninStates forgets the states that expired before now
	// and returns how many.
	DeleteExpiredSigninStates(ctx context.Context, now time.Time) (int64, error)
}
