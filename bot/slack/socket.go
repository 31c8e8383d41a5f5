package slack

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/tourniquet/tourniquet/internal/retry"
)

// socketConcurrency bounds the Socket Mode requests handled at once.
const socketConcurrency = 64

// RunSocketMode keeps a Socket Mode connection open until ctx is done,
// reconnecting when Slack asks (disconnect, refresh_requested) or the
// connection drops. Each request is handled in its own goroutine and
// acknowledged only once the engine has recorded it; a request that could
// not be recorded is left unacknowledged, so Slack delivers it again
// (deduplicated then by its ID). Nothing is acknowledged and lost.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if !a.o.AppToken.IsSet() {
		return errors.New("slack: Socket Mode needs an app-level token (xapp-…)")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer a.setSocket(false)
	sm := socketmode.New(a.api, socketmode.OptionLog(log.New(discard{}, "", 0)))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = retry.Do(ctx, retry.Reconnect, func(func()) error {
			err := sm.RunContext(ctx) // never nil: it returns when the connection ends
			a.setSocket(false)
			return err
		}, func(err error, next time.Duration) {
			a.log.ErrorContext(ctx, "slack Socket Mode stopped; reconnecting", "err", sanitize(err), "retry_in", next)
		})
	}()
	sem := make(chan struct{}, socketConcurrency)
	for {
		select {
		case <-ctx.Done():
			<-done
			return nil
		case evt := <-sm.Events:
			a.onSocketEvent(ctx, sm, evt, sem)
		}
	}
}

func (a *Adapter) onSocketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, sem chan struct{}) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.DebugContext(ctx, "slack Socket Mode connecting")
	case socketmode.EventTypeConnected, socketmode.EventTypeHello:
		a.setSocket(true)
		if evt.Type == socketmode.EventTypeConnected {
			a.log.InfoContext(ctx, "slack Socket Mode connected")
		}
	case socketmode.EventTypeConnectionError:
		a.setSocket(false)
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			a.log.WarnContext(ctx, "slack Socket Mode connection failed", "attempt", e.Attempt, "retry_in", e.Backoff, "err", sanitize(e.ErrorObj))
		}
	case socketmode.EventTypeInvalidAuth:
		a.setSocket(false)
		a.log.ErrorContext(ctx, "slack Socket Mode: the app-level token was refused (invalid_auth)")
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			defer func() { <-sem }()
			a.handleEnvelope(ctx, sm, evt)
		}()
	}
}

// handleEnvelope runs one Socket Mode request and acknowledges it, with
// the answer as the ack's payload, once it is recorded.
func (a *Adapter) handleEnvelope(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	req := evt.Request
	var (
		resp response
		err  error
	)
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			err = errBadRequest
			break
		}
		resp, err = a.onSlashCommand(ctx, sc)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			err = errBadRequest
			break
		}
		resp, err = a.onInteraction(ctx, cb)
	case socketmode.EventTypeEventsAPI:
		resp, err = a.onEvent(ctx, req.Payload)
	}
	if err != nil && !errors.Is(err, errBadRequest) {
		a.log.ErrorContext(ctx, "could not record a Slack request; not acknowledging it so that Slack delivers it again",
			"type", req.Type, "envelope_id", req.EnvelopeID, "err", sanitize(err))
		return
	}
	var payload any
	if resp.body != nil && err == nil {
		payload = resp.body
	}
	if aerr := sm.AckCtx(ctx, req.EnvelopeID, payload); aerr != nil {
		a.log.WarnContext(ctx, "could not acknowledge a Slack request; it will be delivered again", "envelope_id", req.EnvelopeID, "err", sanitize(aerr))
	}
	if resp.after != nil {
		a.spawn(ctx, resp.after)
	}
}

// discard silences slack-go's own logger: the adapter logs what matters
// through slog, without URLs.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
