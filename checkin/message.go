package checkin

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/words"
	"github.com/tourniquet/tourniquet/storage"
)

// DiagnosisQuestion is what the bot asks, more slowly, once impact is
// mitigated and while the cause is unknown.
const DiagnosisQuestion = "Is the cause identified?"

// Answers a check-in takes ("answer <id> yes|partial|no").
const (
	AnswerYes     = "yes"
	AnswerPartial = "partial"
	AnswerNo      = "no"
)

func question(kind storage.CheckinKind) string {
	if kind == storage.CheckinDiagnosis {
		return DiagnosisQuestion
	}
	return bot.MitigationQuestion
}

func hhmm(t time.Time) string { return t.UTC().Format("15:04 UTC") }

func answerCommand(fireID int64, answer string) string {
	return CmdAnswer + " " + strconv.FormatInt(fireID, 10) + " " + answer
}

// header names the check-in: "Check-in #3 · INC-7: Checkout errors".
func header(inc *incident.Incident, kind storage.CheckinKind, f storage.CheckinFire) string {
	what := "Check-in"
	if kind == storage.CheckinDiagnosis {
		what = "Diagnosis check-in"
	}
	return fmt.Sprintf("%s #%d · %s: %s", what, f.Seq, inc.Key, inc.Title)
}

// answerLabel is how an answer reads on the answered message.
func answerLabel(kind storage.CheckinKind, answer string) bot.Rich {
	if kind == storage.CheckinDiagnosis {
		switch answer {
		case AnswerYes:
			return bot.Textf("🔎 *Yes, identified*")
		case AnswerPartial:
			return bot.Textf("🟡 *Partly*")
		}
		return bot.Textf("⏳ *Not yet*")
	}
	switch answer {
	case AnswerYes:
		return bot.Textf("✅ *Yes, mitigated*")
	case AnswerPartial:
		return bot.Textf("🟡 *Partially*")
	}
	return bot.Textf("🔴 *No, still impacting*")
}

// checkinMessage is one check-in: the question, the answer buttons, the
// mitigation actions under them, and the two clocks.
func (s *Scheduler) checkinMessage(ctx context.Context, tx *bot.Tx, kind storage.CheckinKind, f storage.CheckinFire, unanswered int, next time.Time) (bot.Message, error) {
	inc := tx.Incident
	m := bot.Message{Color: "danger"}
	if kind == storage.CheckinDiagnosis {
		m.Color = "warning"
	}
	m.Header(header(inc, kind, f))
	switch s.mention(f.Escalation) {
	case LevelChannel:
		m.Textf("%s %s in a row went unanswered. Can anyone answer?", bot.Here(), words.Count(unanswered, "check-in", "check-ins"))
	case LevelLead:
		m.Textf("%s %s in a row went unanswered. Please answer.", inc.Lead, words.Count(unanswered, "check-in", "check-ins"))
	}
	if kind == storage.CheckinDiagnosis {
		m.Textf("*%s* Impact is mitigated; find the cause with less pressure.", DiagnosisQuestion)
		m.Buttons(
			bot.Button{Label: "Yes, identified", Command: answerCommand(f.ID, AnswerYes), Style: bot.StylePrimary, Form: bot.CauseForm()},
			bot.Button{Label: "Not yet", Command: answerCommand(f.ID, AnswerNo)},
		)
		m.Contextf("When it is, `/incident diagnosed <cause>` records it and ends this question.")
	} else {
		m.Textf("*%s* Stop the bleeding first; diagnose after.", bot.MitigationQuestion)
		m.Buttons(
			bot.Button{Label: "Yes, mitigated", Command: answerCommand(f.ID, AnswerYes), Style: bot.StylePrimary},
			bot.Button{Label: "Partially", Command: answerCommand(f.ID, AnswerPartial)},
			bot.Button{Label: "No, still impacting", Command: answerCommand(f.ID, AnswerNo), Style: bot.StyleDanger},
		)
		// The mitigation actions, right under the question.
		if acts := tx.Actions(); len(acts) > 0 {
			m.PagedButtons(bot.ActionsPaging(0), bot.ActionButtons(acts)...)
		} else {
			m.Contextf("No mitigation actions are configured for this incident's services yet: `/incident actions`.")
		}
	}
	// What features see of the incident (probes, recent changes), under
	// the question: it informs the answer and never delays it.
	panels, err := tx.Panels(ctx)
	if err != nil {
		return bot.Message{}, err
	}
	m.Blocks = append(m.Blocks, panels...)
	m.Contextf("⏱ %s · next check-in at %s", bot.Clocks(inc, tx.Now), hhmm(next))
	if f.Late {
		m.Contextf("⏰ Late: this check-in was due at %s, while Tourniquet was not running.", hhmm(f.DueAt))
	}
	m.Fallback = fmt.Sprintf("%s: %s (check-in #%d)", inc.Key, question(kind), f.Seq)
	return m, nil
}

// answeredMessage replaces a check-in once answered: who answered what,
// and when, without buttons.
func answeredMessage(inc *incident.Incident, kind storage.CheckinKind, f storage.CheckinFire, answer string, by incident.Actor, at time.Time) bot.Message {
	m := bot.Message{}
	switch answer {
	case AnswerYes:
		m.Color = "good"
	case AnswerPartial:
		m.Color = "warning"
	default:
		m.Color = "danger"
	}
	m.Header(header(inc, kind, f))
	m.Textf("*%s*", question(kind))
	m.Textf("%s — %s at %s", answerLabel(kind, answer), by, hhmm(at))
	m.Context(sentLine(f))
	m.Fallback = fmt.Sprintf("%s: %s %s, says %s", inc.Key, question(kind), answer, by.Display())
	return m
}

// supersededMessage replaces an unanswered check-in when a newer one is
// posted.
func supersededMessage(inc *incident.Incident, kind storage.CheckinKind, f, newer storage.CheckinFire, at time.Time) bot.Message {
	m := bot.Message{}
	m.Header(header(inc, kind, f))
	m.Textf("*%s*", question(kind))
	m.Textf("_No answer. Asked again in check-in #%d at %s._", newer.Seq, hhmm(at))
	m.Context(sentLine(f))
	m.Fallback = fmt.Sprintf("%s: check-in #%d, no answer", inc.Key, f.Seq)
	return m
}

// closedMessage replaces an open check-in that stopped being asked.
func closedMessage(inc *incident.Incident, kind storage.CheckinKind, f storage.CheckinFire, note bot.Rich) bot.Message {
	m := bot.Message{}
	m.Header(header(inc, kind, f))
	m.Textf("*%s*", question(kind))
	m.Text(note)
	m.Context(sentLine(f))
	m.Fallback = fmt.Sprintf("%s: check-in #%d closed. %s", inc.Key, f.Seq, note)
	return m
}

func sentLine(f storage.CheckinFire) bot.Rich {
	s := "Asked at " + hhmm(f.FiredAt)
	if f.Late {
		s += " (late: due at " + hhmm(f.DueAt) + ")"
	}
	return bot.Plain(s)
}
