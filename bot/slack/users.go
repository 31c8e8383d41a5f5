package slack

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/internal/clock"
)

// userTTL is how long a looked-up display name is used before it is
// refreshed; a stale name is still shown while the refresh runs.
const userTTL = time.Hour

// users caches display names from users.info. Names are for display
// only: users are identified by their immutable Slack IDs everywhere.
type users struct {
	api   *slack.Client
	clock clock.Clock
	// spawn runs a refresh in the background (the adapter tracks it).
	spawn func(func(ctx context.Context))

	mu       sync.Mutex
	names    map[string]cachedName
	inflight map[string]bool
}

type cachedName struct {
	name    string
	fetched time.Time
}

func newUsers(api *slack.Client, clk clock.Clock, spawn func(func(ctx context.Context))) *users {
	return &users{api: api, clock: clk, spawn: spawn, names: map[string]cachedName{}, inflight: map[string]bool{}}
}

// name returns the cached display name of id at once, or fallback (the
// name the request carried) when none is cached yet; a missing or stale
// entry is refreshed in the background. The ack path uses it.
func (u *users) name(id, fallback string) string {
	if id == "" {
		return fallback
	}
	u.mu.Lock()
	c, ok := u.names[id]
	stale := !ok || u.clock.Now().Sub(c.fetched) > userTTL
	start := stale && !u.inflight[id]
	if start {
		u.inflight[id] = true
	}
	u.mu.Unlock()
	if start {
		u.spawn(func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			u.fetch(ctx, id)
		})
	}
	if ok && c.name != "" {
		return c.name
	}
	return fallback
}

// lookup returns the display name of id, asking Slack when it is not
// cached fresh; on failure it returns the stale name or "".
func (u *users) lookup(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	u.mu.Lock()
	c, ok := u.names[id]
	u.mu.Unlock()
	if ok && u.clock.Now().Sub(c.fetched) <= userTTL {
		return c.name
	}
	if n := u.fetch(ctx, id); n != "" {
		return n
	}
	return c.name
}

// fetch asks users.info and caches the answer.
func (u *users) fetch(ctx context.Context, id string) string {
	defer func() {
		u.mu.Lock()
		delete(u.inflight, id)
		u.mu.Unlock()
	}()
	info, err := u.api.GetUserInfoContext(ctx, id)
	if err != nil || info == nil {
		return ""
	}
	name := displayName(info)
	u.mu.Lock()
	u.names[id] = cachedName{name: name, fetched: u.clock.Now()}
	u.mu.Unlock()
	return name
}

// displayName is what Slack shows for a user: the display name, else the
// real name, else the handle.
func displayName(info *slack.User) string {
	for _, n := range []string{info.Profile.DisplayName, info.Profile.RealName, info.RealName, info.Name} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return ""
}
