package actions

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// hhmm is how times read in messages: "14:32 UTC".
func hhmm(t time.Time) string { return t.UTC().Format("15:04 UTC") }

// shortID is a run ID as people read it: its last 8 characters, which
// differ between runs made in the same millisecond (the first ones of a
// UUIDv7 are the time).
func shortID(id string) string {
	if len(id) <= 8 {
		return id
	}
	return id[len(id)-8:]
}

// maxOutputShown bounds the captured output shown in a message; the rest
// stays in the store.
const maxOutputShown = 1500

func isConflict(err error) bool { return errors.Is(err, storage.ErrConflict) }

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }

func tookOf(r storage.ActionRun) time.Duration {
	if r.StartedAt == nil || r.FinishedAt == nil {
		return 0
	}
	return r.FinishedAt.Sub(*r.StartedAt)
}

// startedLine is "started 14:32 UTC by @x" (or "requested …" before the
// start), with the approver when there was one.
func startedLine(r storage.ActionRun) bot.Rich {
	s := bot.Textf("requested %s by %s", hhmm(r.RequestedAt), r.RequestedBy)
	if r.StartedAt != nil {
		s = bot.Textf("started %s by %s", hhmm(*r.StartedAt), r.RequestedBy)
	}
	if !r.ApprovedBy.IsZero() {
		s = append(s, bot.Textf(", approved by %s", r.ApprovedBy)...)
	}
	return s
}

// progressMessage is a run's message in the incident channel, posted when
// it is requested and updated in place at every step.
func (c *core) progressMessage(r storage.ActionRun) bot.Message {
	var m bot.Message
	switch r.Status {
	case storage.RunRequested:
		m.Color = "warning"
		m.Textf("⏳ *%s* — requested by %s at %s; starting…", r.Title, r.RequestedBy, hhmm(r.RequestedAt))
	case storage.RunAwaitingApproval:
		m.Color = "warning"
		m.Textf("🖐 *%s* — requested by %s at %s. It needs a second allowed person to approve it before it runs.",
			r.Title, r.RequestedBy, hhmm(r.RequestedAt))
		m.Buttons(
			bot.Button{Label: "Approve", Command: CmdApprove + " " + r.ID, Style: bot.StylePrimary,
				Confirm: &bot.Confirm{Title: "Approve this run?", Text: "Approve " + r.Title + "? It runs at once.", Confirm: "Approve", Deny: "Not now"}},
			bot.Button{Label: "Cancel", Command: CmdCancel + " " + r.ID},
		)
	case storage.RunRunning:
		m.Color = "warning"
		m.Textf("⏳ *%s* — Running… %s", r.Title, startedLine(r))
	case storage.RunSucceeded:
		m.Color = "good"
		if r.VerifiedAt != nil {
			m.Textf("✅ *%s* worked, says %s (%s); Tourniquet had lost track of its outcome.", r.Title, r.VerifiedBy, hhmm(*r.VerifiedAt))
		} else {
			m.Textf("✅ *%s* succeeded in %s: %s", r.Title, bot.FormatDuration(tookOf(r)), orDash(r.Summary))
		}
		if undo, ok := c.undoOf(r); ok {
			b := bot.Button{Label: "Undo: " + undo.Title, Command: CmdRun + " " + undo.ID}
			if undo.Confirm {
				b.Confirm = &bot.Confirm{Title: "Undo?", Text: undo.ConfirmText(), Confirm: "Run it", Deny: "Cancel"}
			}
			m.Buttons(b)
		}
	case storage.RunFailed:
		m.Color = "danger"
		if r.VerifiedAt != nil {
			m.Textf("❌ *%s* did not take effect, says %s (%s).", r.Title, r.VerifiedBy, hhmm(*r.VerifiedAt))
		} else {
			m.Textf("❌ *%s* failed after %s: %s", r.Title, bot.FormatDuration(tookOf(r)), orDash(r.Error))
		}
		m.Buttons(bot.Button{Label: "Run again", Command: CmdConfirm + " " + r.ID, Style: dangerStyle(r.Kind),
			Confirm: &bot.Confirm{Title: "Run again?", Text: "Run " + r.Title + " again?", Confirm: "Run it", Deny: "Cancel"}})
	case storage.RunUnknown:
		m.Color = "danger"
		m.Textf("❓ *%s* — outcome unknown: %s", r.Title, orDash(r.Error))
	case storage.RunCancelled:
		by := bot.Textf("by %s", r.CancelledBy)
		if r.CancelledBy.IsZero() {
			by = bot.Plain("by Tourniquet")
		}
		line := bot.Textf("🚫 *%s* — cancelled %s before it ran", r.Title, by)
		if r.Error != "" {
			line = append(line, bot.Textf(": %s", r.Error)...)
		}
		m.Text(line)
	}
	if r.URL != "" {
		m.Textf("🔗 %s", bot.Link(r.URL, ""))
	}
	if out := strings.TrimSpace(r.Output); out != "" {
		if len(out) > maxOutputShown {
			out = "…" + out[len(out)-maxOutputShown:]
		}
		m.Text(bot.Rich{bot.Code(out)})
	}
	ctx := bot.Textf("%s · run %s", startedLine(r), shortID(r.ID))
	if r.Integration != "" {
		ctx = append(ctx, bot.Textf(" · via %s", r.Integration)...)
	}
	m.Context(ctx)
	m.Fallback = m.Blocks[0].Text.String()
	return m
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func dangerStyle(kind string) bot.ButtonStyle {
	if (Action{Kind: kind}).Danger() {
		return bot.StyleDanger
	}
	return bot.StyleDefault
}

// undoOf is the action that reverses r's action, if the catalog names one.
func (c *core) undoOf(r storage.ActionRun) (Action, bool) {
	a, ok := c.cat.Get(r.ActionID)
	if !ok || a.Undo == "" {
		return Action{}, false
	}
	return c.cat.Get(a.Undo)
}

// verifyQuestion asks the channel whether a run whose outcome is unknown
// took effect. Tourniquet never runs it again by itself.
func verifyQuestion(r storage.ActionRun) bot.Message {
	var m bot.Message
	m.Color = "danger"
	m.Textf("❓ *Did %s take effect?* %s", r.Title, orDash(r.Error))
	where := "the system it calls"
	if r.Integration != "" {
		where = r.Integration
	}
	m.Textf("%s, Tourniquet will not run it again by itself. Check %s, then say what happened:", r.RequestedBy, where)
	m.Buttons(
		bot.Button{Label: "It worked", Command: CmdVerify + " " + r.ID + " worked", Style: bot.StylePrimary},
		bot.Button{Label: "It failed", Command: CmdVerify + " " + r.ID + " failed"},
		bot.Button{Label: "Run again", Command: CmdConfirm + " " + r.ID, Style: bot.StyleDanger,
			Confirm: &bot.Confirm{Title: "Run again?", Text: r.Title + " may already have taken effect. Run it again anyway?", Confirm: "Run it again", Deny: "Cancel"}},
	)
	m.Context(bot.Textf("%s · run %s", startedLine(r), shortID(r.ID)))
	m.Fallback = "Did " + r.Title + " take effect?"
	return m
}

// verifyAnswered replaces the question once someone answered it.
func verifyAnswered(r storage.ActionRun, answer string) bot.Message {
	var m bot.Message
	m.Textf("Did *%s* take effect? %s says it %s (%s).", r.Title, r.VerifiedBy, answer, hhmm(*r.VerifiedAt))
	m.Context(bot.Textf("run %s", shortID(r.ID)))
	m.Fallback = fmt.Sprintf("%s %s, says %s", r.Title, answer, r.VerifiedBy.Display())
	return m
}

// mitigationQuestion follows a rollback or kill switch that worked: the
// action succeeding is not the impact ending; a person confirms that. The
// buttons carry the run's ID, never its title (platforms cap what a button
// carries), and say which run the person credits.
func mitigationQuestion(r storage.ActionRun) bot.Message {
	var m bot.Message
	m.Color = "warning"
	m.Textf("✅ *%s* worked. That is not the same as mitigation: *%s* Check what customers see, then answer.", r.Title, bot.MitigationQuestion)
	m.Buttons(
		bot.Button{Label: "Yes, mitigated", Command: CmdEffect + " " + r.ID + " yes", Style: bot.StylePrimary},
		bot.Button{Label: "Not yet", Command: CmdEffect + " " + r.ID + " no"},
	)
	m.Fallback = r.Title + " worked. " + bot.MitigationQuestion
	return m
}

// mitigationAnswered replaces the question once someone answered it.
func mitigationAnswered(r storage.ActionRun, by incident.Actor, mitigated bool, at time.Time) bot.Message {
	var m bot.Message
	answer := "not yet"
	m.Color = "danger"
	if mitigated {
		answer, m.Color = "yes, mitigated", "good"
	}
	m.Textf("✅ *%s* worked. *%s* %s says: %s (%s).", r.Title, bot.MitigationQuestion, by, answer, hhmm(at))
	m.Fallback = fmt.Sprintf("%s worked. %s %s says: %s", r.Title, bot.MitigationQuestion, by.Display(), answer)
	return m
}

// busyReply answers a click on an action that has an active run.
func busyReply(a Action, r storage.ActionRun) bot.Reply {
	if r.Status == storage.RunAwaitingApproval {
		return bot.ErrorReply("%s is already requested, by %s at %s, and waits for a second person to approve it (or cancel it) in the channel.",
			a.Title, r.RequestedBy.Display(), hhmm(r.RequestedAt))
	}
	at := r.RequestedAt
	if r.StartedAt != nil {
		at = *r.StartedAt
	}
	return bot.ErrorReply("%s is already running, started by %s at %s. Its outcome will be posted in the channel.",
		a.Title, r.RequestedBy.Display(), hhmm(at))
}

// outcomeWords says how a finished run ended, for "Run again?".
func outcomeWords(r storage.ActionRun) string {
	at := r.RequestedAt
	if r.FinishedAt != nil {
		at = *r.FinishedAt
	}
	switch r.Status {
	case storage.RunSucceeded:
		return "succeeded at " + hhmm(at)
	case storage.RunFailed:
		return "failed at " + hhmm(at)
	case storage.RunUnknown:
		return "ended with an unknown outcome at " + hhmm(at)
	}
	return string(r.Status) + " at " + hhmm(at)
}

// runAgainReply asks whoever clicks an action that already ran whether to
// run it again.
func runAgainReply(inc *incident.Incident, a Action, last storage.ActionRun) bot.Reply {
	text := bot.Textf("%s already ran on %s: it %s (started by %s). *Run again?*", a.Title, inc.Key, outcomeWords(last), last.RequestedBy.Display())
	var m bot.Message
	m.Text(text)
	m.Buttons(
		bot.Button{Label: "Run again", Command: CmdConfirm + " " + last.ID, Style: dangerStyle(a.Kind)},
		bot.Button{Label: "Cancel", Command: CmdCancel + " " + last.ID},
	)
	m.Fallback = text.String()
	return bot.Reply{Message: m, IncidentKey: inc.Key}
}

// confirmReply asks whoever typed /incident run to confirm: a typed
// command has had no dialog.
func confirmReply(inc *incident.Incident, a Action) bot.Reply {
	var m bot.Message
	m.Text(bot.Plain(a.ConfirmText()))
	m.Buttons(bot.Button{Label: "Run it", Command: CmdRun + " " + a.ID, Style: dangerStyle(a.Kind)})
	m.Contextf("Ignore this message to do nothing.")
	m.Fallback = a.ConfirmText()
	return bot.Reply{Message: m, IncidentKey: inc.Key}
}
