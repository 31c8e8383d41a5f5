package discord

import (
	"context"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/tourniquet/tourniquet/internal/retry"
)

// RunGateway holds a gateway session until ctx ends and answers the
// interactions that arrive on it. It identifies with no intents:
// interactions are delivered regardless, and the bot reads no messages.
// The first connection is retried with backoff; after that discordgo
// reconnects and resumes by itself.
//
// Every replica may run a gateway session: each receives every
// interaction, the store's dedupe lets one claim it, and only that one
// answers.
func (a *Adapter) RunGateway(ctx context.Context) error {
	s := a.newSession()
	for _, remove := range []func(){
		s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
			if ic.Interaction != nil {
				a.HandleGatewayInteraction(ctx, ic.Interaction)
			}
		}),
		s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			a.connected.Store(true)
			a.log.InfoContext(ctx, "gateway connected")
		}),
		s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
			a.log.InfoContext(ctx, "gateway disconnected; reconnecting")
		}),
	} {
		defer remove()
	}
	err := retry.Do(ctx, retry.Reconnect, func(func()) error { return s.Open() }, func(err error, next time.Duration) {
		a.log.WarnContext(ctx, "gateway connection failed; retrying", "in", next, "err", err)
	})
	if err != nil {
		return nil // ctx is done
	}
	<-ctx.Done()
	return s.Close()
}
