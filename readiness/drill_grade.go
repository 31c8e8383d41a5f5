package readiness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// Grade is how a drill went, computed at its resolution and stored with
// it (storage.Drill.Grade).
type Grade struct {
	// TimeToFirstAction is from the declaration to the first action
	// requested, in seconds; nil when none was.
	TimeToFirstAction *int64 `json:"time_to_first_action"`
	// TimeToMitigation is from impact start to the first mitigation, in
	// seconds; nil when impact was never mitigated.
	TimeToMitigation *int64 `json:"time_to_mitigation"`
	// FailedActions are the actions whose run failed or whose outcome is
	// unknown.
	FailedActions []string `json:"failed_actions"`
	// Denied are the people refused what they tried to do ("bob: run
	// Roll back checkout").
	Denied []string `json:"denied"`
}

// gradeDrill grades the drill of tx.Incident, which was just resolved:
// stored with the drill, posted in its channel. It does nothing for an
// incident that is no drill.
func gradeDrill(ctx context.Context, tx *bot.Tx) error {
	inc := tx.Incident
	if _, err := tx.Q.GetDrill(ctx, inc.ID); errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	evs, err := tx.Q.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil {
		return err
	}
	runs, err := tx.Q.ListActionRuns(ctx, inc.ID)
	if err != nil {
		return err
	}
	g := grade(inc, evs, runs)
	b, err := json.Marshal(g)
	if err != nil {
		return err
	}
	if err := tx.Q.GradeDrill(ctx, inc.ID, tx.Now, b); err != nil {
		return fmt.Errorf("grade drill %s: %w", inc.Key, err)
	}
	tx.PostToIncident("", gradeMessage(inc, g))
	return nil
}

func grade(inc *incident.Incident, evs []incident.Event, runs []storage.ActionRun) Grade {
	g := Grade{FailedActions: []string{}, Denied: []string{}}
	secs := func(from, to time.Time) *int64 { s := int64(to.Sub(from) / time.Second); return &s }
	for _, ev := range evs {
		switch ev.Kind {
		case incident.KindActionRequested:
			if g.TimeToFirstAction == nil {
				g.TimeToFirstAction = secs(inc.DeclaredAt, ev.At)
			}
		case incident.KindActionDenied, incident.KindPermissionDenied:
			what := ev.Text
			if ev.Kind == incident.KindActionDenied {
				what = "run " + ev.Text
			}
			g.Denied = append(g.Denied, ev.Actor.Display()+": "+what)
		}
	}
	if inc.MitigatedAt != nil {
		g.TimeToMitigation = secs(inc.ImpactStartedAt, *inc.MitigatedAt)
	}
	for _, r := range runs {
		if r.Status == storage.RunFailed || r.Status == storage.RunUnknown {
			g.FailedActions = append(g.FailedActions, r.Title)
		}
	}
	return g
}

func gradeMessage(inc *incident.Incident, g Grade) bot.Message {
	dur := func(p *int64, none string) string {
		if p == nil {
			return none
		}
		return bot.FormatDuration(time.Duration(*p) * time.Second)
	}
	list := func(xs []string) string {
		if len(xs) == 0 {
			return "none"
		}
		return strings.Join(xs, "; ")
	}
	m := bot.Message{Color: "good", Fallback: fmt.Sprintf("%s: the drill's grade", inc.Key)}
	if len(g.FailedActions) > 0 || len(g.Denied) > 0 || g.TimeToMitigation == nil {
		m.Color = "warning"
	}
	m.Header("🧪 Drill graded: " + inc.Key)
	m.Fields(
		bot.Field{Label: "Time to first action", Value: bot.Plain(dur(g.TimeToFirstAction, "no action was run"))},
		bot.Field{Label: "Time to mitigation", Value: bot.Plain(dur(g.TimeToMitigation, "never mitigated"))},
		bot.Field{Label: "Actions that failed", Value: bot.Plain(list(g.FailedActions))},
		bot.Field{Label: "People refused what they needed", Value: bot.Plain(list(g.Denied))},
	)
	m.Contextf("Stored with the drill; `tourniquet readiness` shows the last drill of each service.")
	return m
}
