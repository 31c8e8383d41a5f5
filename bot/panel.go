package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// A Panel adds what one feature knows about an incident to its card and
// to every check-in, without the engine knowing the feature: the impact
// probes' states and values, the changes shipped before impact started, a
// drill's banner. It reads through the unit of work's transaction and
// returns blocks of the message model (text built with Textf, data as
// arguments; short button commands, never titles). A panel with nothing to
// say returns no blocks. Panels are given to NewEngine in Options.Panels
// and shown in that order.
type Panel interface {
	Panel(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) ([]Block, error)
}

// PanelFunc adapts a function to Panel.
type PanelFunc func(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) ([]Block, error)

// Panel implements Panel.
func (f PanelFunc) Panel(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) ([]Block, error) {
	return f(ctx, q, inc, now)
}

// Panels are the blocks every configured panel has for the unit of work's
// incident, in order: the card shows them under its clocks, and a
// check-in under its question.
func (tx *Tx) Panels(ctx context.Context) ([]Block, error) {
	if tx.Incident == nil {
		return nil, nil
	}
	var out []Block
	for _, p := range tx.engine.opts.Panels {
		bs, err := p.Panel(ctx, tx.Q, tx.Incident, tx.Now)
		if err != nil {
			return nil, fmt.Errorf("panel of %s: %w", tx.Incident.Key, err)
		}
		out = append(out, bs...)
	}
	return out, nil
}
