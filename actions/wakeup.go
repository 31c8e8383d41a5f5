package actions

import (
	"context"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// SystemRunner runs a unit of work of the bot itself inside a transaction
// (bot.Engine.RunAsSystem): how the runner records what a run did, with
// its events, hooks and messages, exactly as a command would.
type SystemRunner interface {
	RunAsSystem(ctx context.Context, q storage.Querier, incidentID int64, source incident.Source, fn func(ctx context.Context, tx *bot.Tx) error) error
}

// Wakeup tells a Runner that a run is ready to start. The command side
// and the runner are built at different times — the Service before the
// engine (its commands are the engine's), the Runner after it (it records
// through the engine) — so this is what they share.
type Wakeup struct{ ch chan struct{} }

// NewWakeup returns a Wakeup for one Runner.
func NewWakeup() *Wakeup { return &Wakeup{ch: make(chan struct{}, 1)} }

// Wake makes the runner look for requested runs at once. It never blocks.
func (w *Wakeup) Wake() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}
