package sqlite

import (
	"context"
	"time"
)

// UseSigninState records a sign-in state's hash; false when it was there.
func (q *querier) UseSigninState(ctx context.Context, hash string, now, expires time.Time) (bool, error) {
	n, err := q.execWrite(ctx, "use sign-in state", `INSERT INTO signin_states (state_hash, used_at, expires_at)
		VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, hash, encTime(now), encTime(expires))
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// DeleteExpiredSigninStates forgets states that expired before now.
func (q *querier) DeleteExpiredSigninStates(ctx context.Context, now time.Time) (int64, error) {
	n, err := q.execWrite(ctx, "delete expired sign-in states", `DELETE FROM signin_states WHERE expires_at < ?`, encTime(now))
	if err != nil {
		return 0, err
	}
	return int64(n), nil
}
