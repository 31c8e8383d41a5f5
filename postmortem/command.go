package postmortem

import (
	"context"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// CmdTimeline is "/incident timeline".
const CmdTimeline = "timeline"

// Commands are the postmortem's commands, for bot.Options.Commands:
// /incident timeline, which works on a resolved incident too.
func Commands() []bot.CommandSpec {
	return []bot.CommandSpec{{
		Name:    CmdTimeline,
		Summary: "show the timeline and the report link",
		Brief:   "Show the timeline and the report link",
		Section: bot.SectionReports,
		Needs:   bot.AnyIncident,
		Handle:  showTimeline,
	}}
}

// showTimeline handles /incident timeline: the timeline and the report link
// to the invoker, and a request for a draft (two clocks, link, summary) to
// be posted in the incident's channel, once per state of the incident:
// asking again before anything changed points to the draft already posted
// (or being written) instead of posting another.
func showTimeline(ctx context.Context, tx *bot.Tx, c bot.Command) (bot.Reply, error) {
	inc := tx.Incident
	evs, err := tx.Q.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("list events: %w", err)
	}
	reply := bot.Reply{Message: bot.TimelineMessage(inc, evs, tx.Now, tx.IncidentURL())}
	what := "postmortem draft"
	if inc.Open() {
		what = "summary"
	}
	ds, err := tx.Q.ListDrafts(ctx, inc.ID)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("drafts of %s: %w", inc.Key, err)
	}
	if d, ok := draftOfState(ds, stateChangedAt(evs)); ok {
		if d.Status == storage.DraftPosted && d.PostedAt != nil {
			reply.Message.Contextf("📝 The %s of %s as it stands was posted in its channel at %s; it is also on the report page.",
				what, inc.Key, d.PostedAt.UTC().Format("15:04 UTC"))
		} else {
			reply.Message.Contextf("📝 A %s of %s as it stands is being written; it will be posted in its channel.", what, inc.Key)
		}
		return reply, nil
	}
	d := storage.Draft{IncidentID: inc.ID, Reason: ReasonTimeline, RequestedBy: tx.Actor(), RequestedAt: tx.Now}
	if _, err := tx.Q.RequestDraft(ctx, &d); err != nil {
		return bot.Reply{}, fmt.Errorf("request postmortem draft: %w", err)
	}
	reply.Message.Contextf("📝 A %s with the two clocks is being written; it will be posted in the incident's channel.", what)
	return reply, nil
}

// stateChangedAt is when the incident last changed in a way its summary
// tells: declared, impact mitigated or back, cause identified, resolved, a
// fail-forward decision, the impact start or the severity moved.
func stateChangedAt(evs []incident.Event) time.Time {
	var at time.Time
	for _, ev := range evs {
		switch ev.Kind {
		case incident.KindDeclared, incident.KindMitigated, incident.KindRegressed, incident.KindDiagnosed,
			incident.KindResolved, incident.KindFailForward, incident.KindImpactStartMoved, incident.KindSeverityChanged:
			if ev.At.After(at) {
				at = ev.At
			}
		}
	}
	return at
}

// draftOfState is the latest draft asked for since the incident's state
// last changed (since), if any: pending or posted, it tells this state.
func draftOfState(ds []storage.Draft, since time.Time) (storage.Draft, bool) {
	for i := len(ds) - 1; i >= 0; i-- {
		if !ds[i].RequestedAt.Before(since) {
			return ds[i], true
		}
	}
	return storage.Draft{}, false
}
