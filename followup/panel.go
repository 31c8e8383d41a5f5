package followup

import (
	"context"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Panel adds to a resolved incident's card its follow-ups' progress and
// an [Add follow-up] button, which opens a one-field form (a platform
// without forms runs /incident follow-up bare, which says what to type).
// It is a bot.Panel.
func (f *Feature) Panel(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) ([]bot.Block, error) {
	if inc.Open() {
		return nil, nil
	}
	items, err := q.ListFollowUps(ctx, inc.ID)
	if err != nil {
		return nil, fmt.Errorf("follow-ups of %s: %w", inc.Key, err)
	}
	var m bot.Message
	if len(items) > 0 {
		m.Contextf("📌 Follow-ups: %s", Progress(items))
	}
	m.Buttons(bot.Button{Label: "Add follow-up", Command: CmdFollowUp, Form: bot.FollowUpForm()})
	return m.Blocks, nil
}
