package postgres

import (
	"context"
	"time"
)

// UseSigninState records a sign-in state's hash; false when it was there.
func (q querier) UseSigninState(ctx context.Context, hash string, now, expires time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO signin_states (state_hash, used_at, expires_at)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, hash, now, expires)
	if err != nil {
		return false, mapErr("use sign-in state", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteExpiredSigninStates forgets states that expired before now.
func (q querier) DeleteExpiredSigninStates(ctx context.Context, now time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM signin_states WHERE expires_at < $1`, now)
	if err != nil {
		return 0, mapErr("delete expired sign-in states", err)
	}
	return tag.RowsAffected(), nil
}
