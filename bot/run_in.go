package bot

import (
	"context"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// RunInvocation runs fn as a unit of work of inv inside the caller's
// transaction q: tx.Inv is inv (its actor, channel and source; SourceSystem
// when it has none) and there is no incident until fn sets one (by
// dispatching declare, say). It is RunAsSystem for work the bot starts on
// someone's behalf in a channel: an alert route declaring in its triage
// channel goes through Dispatch("declare") exactly as a person would. When
// fn returns nil its events, card and messages are committed in q; the
// caller commits or rolls back q.
func (e *Engine) RunInvocation(ctx context.Context, q storage.Querier, inv Invocation, fn func(ctx context.Context, tx *Tx) error) error {
	if inv.Source == "" {
		inv.Source = incident.SourceSystem
	}
	now := e.clock.Now()
	tx := &Tx{Q: q, Now: now, Inv: inv, engine: e, out: outbox{now: now}}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	return tx.commit(ctx)
}

// PostToChannel posts m to one channel under key, so that a later unit of
// work can replace it with UpdateInChannel (a proposal updated as its
// alerts change). Its buttons act on no incident unless their commands
// name one.
func (tx *Tx) PostToChannel(ch incident.ChannelRef, key string, m Message) {
	tx.out.post(channelTarget(ch), key, m, false)
}

// UpdateInChannel replaces the message posted under key in ch; when that
// message never arrived, it is posted.
func (tx *Tx) UpdateInChannel(ch incident.ChannelRef, key string, m Message) {
	tx.out.update(channelTarget(ch), key, m)
}
