package discord

import (
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// tokenTTL is how long an interaction token is used for follow-ups: Discord
// accepts them for 15 minutes; a minute is kept in hand.
const tokenTTL = 14 * time.Minute

// tokenCache remembers, per channel and user, the latest interaction this
// replica answered, so that a private message produced later (the outbox's
// ephemeral op) can go out as an ephemeral follow-up. It is an optimisation
// only, in memory on purpose (tokens are secrets and never stored): another
// replica, a restart or an expired token falls back to a DM.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

type cachedToken struct {
	interaction *discordgo.Interaction // ID, AppID and Token only
	at          time.Time
}

func newTokenCache() *tokenCache { return &tokenCache{m: map[string]cachedToken{}} }

func tokenKey(channelID, userID string) string { return channelID + "/" + userID }

// put remembers i for its channel and user, and forgets expired tokens.
func (c *tokenCache) put(channelID, userID string, i *discordgo.Interaction, now time.Time) {
	if i.Token == "" || i.AppID == "" || userID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range c.m {
		if now.Sub(v.at) > tokenTTL {
			delete(c.m, k)
		}
	}
	c.m[tokenKey(channelID, userID)] = cachedToken{
		interaction: &discordgo.Interaction{ID: i.ID, AppID: i.AppID, Token: i.Token}, at: now,
	}
}

// get returns a still-valid interaction for the channel and user.
func (c *tokenCache) get(channelID, userID string, now time.Time) (*discordgo.Interaction, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[tokenKey(channelID, userID)]
	if !ok || now.Sub(t.at) > tokenTTL {
		return nil, false
	}
	return t.interaction, true
}

// drop forgets a token Discord no longer accepts.
func (c *tokenCache) drop(channelID, userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, tokenKey(channelID, userID))
}
