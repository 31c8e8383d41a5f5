package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/discord"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
)

// discordRoute is the HTTP interactions endpoint (DESIGN §4).
const discordRoute = "POST /discord/interactions"

// discordApp is the Discord adapter wired from config.Discord. A nil
// *discordApp (Discord not configured) does nothing, so Serve can call its
// methods unconditionally.
type discordApp struct {
	a   *discord.Adapter
	log *slog.Logger
	// http is set when a public key allows the interactions endpoint.
	http bool
}

// newDiscord builds the Discord adapter when a bot token is configured,
// and nil otherwise.
func newDiscord(cfg *config.Config, engine discord.Engine, clk clock.Clock, log *slog.Logger) (*discordApp, error) {
	d := cfg.Discord
	if !d.Enabled() {
		return nil, nil
	}
	log = log.With("component", "discord")
	a, err := discord.New(discord.Options{
		Engine: engine, Token: d.BotToken, AppID: d.AppID, PublicKey: d.PublicKey, APIURL: d.APIURL,
		GuildID: d.GuildID, IncidentCategory: d.IncidentCategory, AnnounceChannel: d.AnnounceChannel,
		ChannelMode: d.ChannelMode, ThreadParentChannel: d.ThreadParentChannel,
		Clock: clk, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	return &discordApp{a: a, log: log, http: d.PublicKey != ""}, nil
}

// deliverers is the adapter, for the outbox sender.
func (d *discordApp) deliverers() []bot.Deliverer {
	if d == nil {
		return nil
	}
	return []bot.Deliverer{d.a}
}

// readiness fails /readyz until /incident is registered and the gateway
// has connected once.
func (d *discordApp) readiness() []Readiness {
	if d == nil {
		return nil
	}
	return []Readiness{func(context.Context) error { return d.a.Ready(true) }}
}

// mount adds POST /discord/interactions when a public key is configured.
func (d *discordApp) mount(mux *http.ServeMux) {
	if d == nil {
		return
	}
	if !d.http {
		d.log.Info("discord HTTP interactions are off: no public key; interactions arrive over the gateway")
		return
	}
	mux.Handle(discordRoute, d.a)
}

// start registers the commands (retrying until it works) and holds the
// gateway session until ctx ends; wg tracks both.
func (d *discordApp) start(ctx context.Context, wg *sync.WaitGroup) {
	if d == nil {
		return
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = d.a.KeepRegistering(ctx)
	}()
	go func() {
		defer wg.Done()
		if err := d.a.RunGateway(ctx); err != nil {
			d.log.Warn("gateway closed with an error", "err", err)
		}
		d.a.Wait() // follow-ups of deferred interactions
	}()
}
