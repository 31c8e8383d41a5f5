package postmortem

import (
	"context"
	"fmt"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Draft reasons: why a postmortem draft was asked for.
const (
	ReasonResolved = "resolved"
	ReasonTimeline = "timeline"
)

// Hook is a bot.Hook that records, inside the resolving command's
// transaction, that a postmortem draft of the incident is wanted. The
// Worker writes and posts it later, outside any transaction.
type Hook struct{}

// OnEvents requests a draft when an incident is resolved.
func (Hook) OnEvents(ctx context.Context, tx *bot.Tx, evs []incident.Event) error {
	for _, ev := range evs {
		if ev.Kind != incident.KindResolved {
			continue
		}
		d := storage.Draft{IncidentID: ev.IncidentID, Reason: ReasonResolved, RequestedBy: ev.Actor, RequestedAt: ev.At}
		if d.IncidentID == 0 && tx.Incident != nil {
			d.IncidentID = tx.Incident.ID
		}
		if _, err := tx.Q.RequestDraft(ctx, &d); err != nil {
			return fmt.Errorf("request postmortem draft: %w", err)
		}
	}
	return nil
}
