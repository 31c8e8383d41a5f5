package discord

import (
	"context"
	"time"

	"github.com/bwmarrin/discordgo"
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
	wait := time.Second
	for {
		err := s.Open()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		a.log.WarnContext(ctx, "gateway connection failed; retrying", "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Minute)
	}
	<-ctx.Done()
	return s.Close()
}
