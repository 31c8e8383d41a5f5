package discord

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/internal/retry"
)

// RegisterCommands replaces the application's commands with /incident as
// the engine's commands describe it (Schema), in the configured guild or
// globally, by bulk overwrite: whatever an earlier
// version registered is gone afterwards, so a restart never leaves stale
// commands. Guild commands appear at once; global ones can take a while.
func (a *Adapter) RegisterCommands(ctx context.Context) error {
	appID, err := a.applicationID(ctx)
	if err != nil {
		return err
	}
	where := "globally"
	if a.o.GuildID != "" {
		where = "in guild " + a.o.GuildID
	}
	endpoint := discordgo.EndpointApplicationGlobalCommands(appID)
	if a.o.GuildID != "" {
		endpoint = discordgo.EndpointApplicationGuildCommands(appID, a.o.GuildID)
	}
	err = a.call(ctx, a.rest, "register commands "+where, "", func(opts ...discordgo.RequestOption) error {
		// As ApplicationCommandBulkOverwrite does, with the body Discord
		// documents (see wire.go).
		_, err := a.rest.RequestWithBucketID(http.MethodPut, endpoint, wireCommands(Schema(a.engine.Commands())), endpoint, opts...)
		return err
	})
	if err != nil {
		return err
	}
	a.registered.Store(true)
	a.log.InfoContext(ctx, "registered /incident", "where", where)
	return nil
}

// applicationID is the configured application ID, or the one Discord
// reports for the bot token.
func (a *Adapter) applicationID(ctx context.Context) (string, error) {
	if id := a.appID.Load(); id != nil {
		return *id, nil
	}
	var app struct {
		ID string `json:"id"`
	}
	endpoint := discordgo.EndpointApplication("@me")
	err := a.call(ctx, a.rest, "look up the application", "", func(opts ...discordgo.RequestOption) error {
		body, err := a.rest.RequestWithBucketID("GET", endpoint, nil, endpoint, opts...)
		if err != nil {
			return err
		}
		return json.Unmarshal(body, &app)
	})
	if err != nil {
		return "", err
	}
	if app.ID == "" {
		return "", errors.New("discord: the application has no ID")
	}
	id := app.ID
	a.appID.Store(&id)
	return id, nil
}

// KeepRegistering registers the commands, retrying with backoff until it
// succeeds, the error is permanent (a rejected token), or ctx ends.
func (a *Adapter) KeepRegistering(ctx context.Context) error {
	return retry.Do(ctx, retry.Reconnect, func(func()) error {
		err := a.RegisterCommands(ctx)
		var ra *bot.RetryAfterError
		switch {
		case err == nil:
			return nil
		case bot.IsPermanent(err):
			a.log.ErrorContext(ctx, "cannot register /incident", "err", err)
			return retry.Permanent(err)
		case errors.As(err, &ra):
			a.log.WarnContext(ctx, "registering /incident failed; retrying", "in", ra.After, "err", err)
			return retry.After(ra.After)
		}
		return err
	}, func(err error, next time.Duration) {
		a.log.WarnContext(ctx, "registering /incident failed; retrying", "in", next, "err", err)
	})
}
