package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/config"
)

// Directory answers whether a Discord user is still a member of the
// configured guild (GET /guilds/{guild}/members/{user}), for readiness.
// It is read-only.
type Directory struct {
	s     *discordgo.Session
	guild string
}

// NewDirectory returns a directory of guild on the REST API at apiURL.
func NewDirectory(apiURL, guild string, token config.Secret, next http.RoundTripper) (*Directory, error) {
	rt, err := newRewriteTransport(apiURL, next)
	if err != nil {
		return nil, err
	}
	s, _ := discordgo.New("Bot " + token.Reveal()) // New cannot fail
	s.Client = &http.Client{Transport: rt, Timeout: 15 * time.Second}
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	s.StateEnabled = false
	s.LogLevel = discordgo.LogError
	return &Directory{s: s, guild: guild}, nil
}

// UserExists reports whether user id is a member of the guild. Without a
// guild there is nothing to ask: an error.
func (d *Directory) UserExists(ctx context.Context, id string) (bool, error) {
	if d.guild == "" {
		return false, errors.New("discord: no guild_id is configured to look members up in")
	}
	_, err := d.s.GuildMember(d.guild, id, discordgo.WithContext(ctx))
	var re *discordgo.RESTError
	switch {
	case errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeUnknownMember:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("discord guild member: %w", err)
	}
	return true, nil
}
