package followup

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// OnEvents asks, in the resolving transaction, for the tickets of the
// incident's follow-ups that have none, when tickets are created at
// resolution. It is a bot.Hook.
func (f *Feature) OnEvents(ctx context.Context, tx *bot.Tx, evs []incident.Event) error {
	if f.o.Tracker == "" || !f.o.AtResolve || tx.Incident == nil {
		return nil
	}
	for _, ev := range evs {
		if ev.Kind != incident.KindResolved {
			continue
		}
		n, err := tx.Q.RequestTickets(ctx, tx.Incident.ID, f.o.Tracker)
		if err != nil {
			return fmt.Errorf("request follow-up tickets of %s: %w", tx.Incident.Key, err)
		}
		if n > 0 {
			tx.Announce(bot.Textf("🎫 Creating %d follow-up tickets in %s.", n, f.o.Tracker))
		}
	}
	return nil
}
