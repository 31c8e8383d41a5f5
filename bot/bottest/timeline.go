package bottest

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/bot"
)

// Timeline stands in for the postmortem's /incident timeline
// (postmortem.Commands) in tests of the engine and the adapters: the same
// name, help line and reply (the timeline and the report link), without
// asking for a postmortem draft, which those tests are not about.
func Timeline() bot.CommandSpec {
	return bot.CommandSpec{
		Name:    "timeline",
		Summary: "show the timeline and the report link",
		Brief:   "Show the timeline and the report link",
		Section: bot.SectionReports,
		Needs:   bot.AnyIncident,
		Handle: func(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
			evs, err := tx.Q.ListEvents(ctx, tx.Incident.ID, 0, 0)
			if err != nil {
				return bot.Reply{}, fmt.Errorf("list events: %w", err)
			}
			return bot.Reply{Message: bot.TimelineMessage(tx.Incident, evs, tx.Now, tx.IncidentURL())}, nil
		},
	}
}
