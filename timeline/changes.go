package timeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// DefaultChangeWindow is how long before impact started a change is a
// suspect in the report, as on the card (config changes.window).
const DefaultChangeWindow = 2 * time.Hour

// ChangeStory is one change to the incident's services near its impact,
// told as the report tells it: change → impact → undo → effect →
// mitigation.
type ChangeStory struct {
	Change incident.Change `json:"change"`
	// BeforeImpact is how many seconds before impact started the change
	// shipped (negative: after).
	BeforeImpact int64 `json:"before_impact"`
	// Undone is true when an action was run to undo it; Undo tells how.
	Undone bool       `json:"undone"`
	Undo   *UndoStory `json:"undo,omitempty"`
}

// UndoStory is the run that undid a change, from the timeline's events.
type UndoStory struct {
	RunID  string         `json:"run_id"`
	Action string         `json:"action"`
	By     incident.Actor `json:"by"`
	// ClickedAt is when it was requested (the click).
	ClickedAt time.Time `json:"clicked_at"`
	// Outcome is the run's: succeeded, failed, unknown, cancelled; "" while
	// it runs.
	Outcome    string     `json:"outcome"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Effect is effective, ineffective or "" (not verified); Seen what the
	// verification saw, EffectAt when, EffectAfterClick how many seconds
	// after the click.
	Effect           string     `json:"effect,omitempty"`
	Seen             string     `json:"seen,omitempty"`
	EffectAt         *time.Time `json:"effect_at,omitempty"`
	EffectAfterClick *int64     `json:"effect_after_click,omitempty"`
	// MitigatedAt is the first mitigation at or after the click.
	MitigatedAt *time.Time `json:"mitigated_at,omitempty"`
}

// WithChanges returns x with the story of each change (newest first, as
// the store lists them) that shipped within window before impact started
// or after it: which were undone, by which run, whether and when the undo
// took effect, and when impact was mitigated after it. The runs are read
// from x's events: an action_requested event names the change it undoes
// (change_id), so a change pruned since is still told by those events.
func (x Export) WithChanges(changes []incident.Change, window time.Duration) Export {
	if window <= 0 {
		window = DefaultChangeWindow
	}
	undos := x.undos()
	out := []ChangeStory{}
	seen := map[int64]bool{}
	for _, c := range changes {
		if c.At.Before(x.ImpactStartedAt.Add(-window)) || seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		s := ChangeStory{Change: c, BeforeImpact: secs(c.At, x.ImpactStartedAt)}
		if u, ok := undos[c.ID]; ok {
			s.Undone, s.Undo = true, u
		}
		out = append(out, s)
	}
	x.Changes = out
	return x
}

// undos reads the runs that undid changes from the events, by change ID.
func (x Export) undos() map[int64]*UndoStory {
	byChange := map[int64]*UndoStory{}
	byRun := map[string]*UndoStory{}
	for _, ev := range x.Events {
		run := runKey(ev.Event)
		switch ev.Kind {
		case incident.KindActionRequested:
			id, ok := changeID(ev.Data["change_id"])
			if !ok || byChange[id] != nil {
				continue // a second undo of one change: the first tells the story
			}
			u := &UndoStory{RunID: run, Action: actionName(ev.Event), By: ev.Actor, ClickedAt: ev.At}
			byChange[id], byRun[run] = u, u
		case incident.KindActionSucceeded, incident.KindActionFailed, incident.KindActionUnknown, incident.KindActionCancelled:
			if u := byRun[run]; u != nil && u.FinishedAt == nil {
				u.Outcome = string(ev.Kind)[len("action_"):]
				u.FinishedAt = ptrTime(ev.At)
			}
		case incident.KindActionEffective, incident.KindActionIneffective:
			if u := byRun[run]; u != nil && u.EffectAt == nil {
				u.Effect = string(ev.Kind)[len("action_"):]
				u.Seen = dataString(ev.Data, "seen")
				u.EffectAt = ptrTime(ev.At)
				d := secs(u.ClickedAt, ev.At)
				u.EffectAfterClick = &d
			}
		case incident.KindMitigated:
			for _, u := range byRun {
				if u.MitigatedAt == nil && !ev.At.Before(u.ClickedAt) {
					u.MitigatedAt = ptrTime(ev.At)
				}
			}
		}
	}
	return byChange
}

// changeID reads a change ID from event data (a number once stored as
// JSON, an int64 before).
func changeID(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), n > 0
	}
	return 0, false
}

// changeFindings are what the report says about the changes: impact that
// started soon after a change nobody undid, and how long each undo took
// to take effect.
func (x Export) changeFindings() []Finding {
	var out []Finding
	var notUndone []string
	for _, s := range x.Changes {
		if s.Undone || s.BeforeImpact < 0 {
			continue
		}
		notUndone = append(notUndone, fmt.Sprintf("%s%s shipped at %s, %s before impact started",
			s.Change.What(), by(s.Change.By), shortAt(s.Change.At), FormatSeconds(s.BeforeImpact)))
	}
	if len(notUndone) > 0 {
		out = append(out, Finding{Level: LevelWarn,
			Title:  fmt.Sprintf("Impact started within %s of a change that was not rolled back", FormatSeconds(x.closestNotUndone())),
			Detail: "A change shortly before impact is the first suspect; undoing it is the safe move.", Items: notUndone})
	}
	for _, s := range x.Changes {
		u := s.Undo
		if u == nil {
			continue
		}
		switch u.Effect {
		case "effective":
			out = append(out, Finding{Level: LevelGood, Title: fmt.Sprintf("Rollback took effect %s after the click", FormatSeconds(*u.EffectAfterClick)),
				Detail: fmt.Sprintf("%s undid %s, clicked by %s at %s; seen: %s.", u.Action, s.Change.What(), u.By.Display(), shortAt(u.ClickedAt), u.Seen)})
		case "ineffective":
			out = append(out, Finding{Level: LevelWarn, Title: "An undo did not take effect",
				Detail: fmt.Sprintf("%s reported success on %s but was not seen to take effect: %s.", u.Action, s.Change.What(), u.Seen)})
		}
	}
	return out
}

// closestNotUndone is the shortest time from a change not undone to the
// start of impact, in seconds.
func (x Export) closestNotUndone() int64 {
	best := int64(-1)
	for _, s := range x.Changes {
		if !s.Undone && s.BeforeImpact >= 0 && (best < 0 || s.BeforeImpact < best) {
			best = s.BeforeImpact
		}
	}
	return best
}

func by(name string) string {
	if name == "" {
		return ""
	}
	return " by " + name
}

// ChangeLines tell each change's story in one line, for the page and
// Markdown: "deploy checkout v42 by ana, 12m before impact → undone by
// Roll back checkout (clicked 14:05 by alice) → succeeded → took effect
// 2m 10s after the click → impact mitigated at 14:09".
func (x Export) ChangeLines() []string {
	var out []string
	for _, s := range x.Changes {
		line := s.Change.What() + by(s.Change.By) + ", "
		if s.BeforeImpact >= 0 {
			line += FormatSeconds(s.BeforeImpact) + " before impact"
		} else {
			line += FormatSeconds(-s.BeforeImpact) + " after impact started"
		}
		u := s.Undo
		if u == nil {
			out = append(out, line+" → not undone")
			continue
		}
		line += fmt.Sprintf(" → undone with %s (clicked %s by %s)", u.Action, shortAt(u.ClickedAt), u.By.Display())
		if u.Outcome != "" {
			line += " → " + u.Outcome
		}
		switch u.Effect {
		case "effective":
			line += fmt.Sprintf(" → took effect %s after the click", FormatSeconds(*u.EffectAfterClick))
		case "ineffective":
			line += " → did not take effect: " + u.Seen
		}
		if u.MitigatedAt != nil {
			line += " → impact mitigated at " + shortAt(*u.MitigatedAt)
		}
		out = append(out, line)
	}
	return out
}

// changesMarkdown writes the changes section of the Markdown report, each
// change's story escaped as data; nothing when there are none.
func (x Export) changesMarkdown(b *strings.Builder) {
	lines := x.ChangeLines()
	if len(lines) == 0 {
		return
	}
	b.WriteString("\n## Changes before impact\n\n")
	for _, l := range lines {
		b.WriteString("- " + mdEscape(l) + "\n")
	}
}
