package probe

import (
	"strconv"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// CmdProbe answers what a probe asked: "probe <probe-id> <answer>", what
// the buttons of its challenge and regression prompts send.
const CmdProbe = "probe"

// Answers to a probe's prompts.
const (
	// AnswerStillImpacting agrees with a challenge: impact is not
	// mitigated after all (the incident regresses).
	AnswerStillImpacting = "still-impacting"
	// AnswerWrong overrules a challenge: the probe is wrong.
	AnswerWrong = "wrong"
	// AnswerRegressed agrees that impact is back.
	AnswerRegressed = "regressed"
	// AnswerUnrelated says the probe's new breach is not this incident's.
	AnswerUnrelated = "unrelated"
)

// promptKey is the logical key of a probe's prompt about one mitigation,
// updated in place once answered: "INC-7/probe/checkout-errors/challenge/1772373600".
func promptKey(inc *incident.Incident, probe, what string, mitigation time.Time) string {
	return inc.Key + "/probe/" + probe + "/" + what + "/" + strconv.FormatInt(mitigation.Unix(), 10)
}

const (
	promptChallenge  = "challenge"
	promptRegression = "regression"
)

// postChallenge asks whether impact is really mitigated while probe p
// still sees it.
func (s *Service) postChallenge(tx *bot.Tx, p config.Probe, st storage.ProbeState) {
	tx.PostToIncident(promptKey(tx.Incident, p.ID, promptChallenge, st.Marks[storage.MarkMitigation]), challengeMessage(p, st, tx.Now))
}

func challengeMessage(p config.Probe, st storage.ProbeState, now time.Time) bot.Message {
	m := bot.Message{Color: "danger"}
	m.Textf("⚠️ The probe says customers are still impacted (%s). Is customer impact really mitigated?", seen(p, st))
	m.Context(bot.Textf("%s", describe(p, st, now)))
	m.Buttons(
		bot.Button{Label: "Still impacting", Command: CmdProbe + " " + p.ID + " " + AnswerStillImpacting, Style: bot.StyleDanger},
		bot.Button{Label: "The probe is wrong", Command: CmdProbe + " " + p.ID + " " + AnswerWrong},
	)
	return m
}

// postRegression asks whether impact is back, with the mitigation actions
// under the question.
func (s *Service) postRegression(tx *bot.Tx, p config.Probe, st storage.ProbeState) {
	m := bot.Message{Color: "danger"}
	m.Textf("📉 Impact is back? %s", describe(p, st, tx.Now))
	m.Buttons(
		bot.Button{Label: "Regressed", Command: CmdProbe + " " + p.ID + " " + AnswerRegressed, Style: bot.StyleDanger},
		bot.Button{Label: "Not related", Command: CmdProbe + " " + p.ID + " " + AnswerUnrelated},
	)
	m.Buttons(bot.ActionButtons(tx.Actions())...)
	tx.PostToIncident(promptKey(tx.Incident, p.ID, promptRegression, st.Marks[storage.MarkMitigation]), m)
}

// answeredMessage replaces a prompt once someone answered it: no buttons
// left to press.
func answeredMessage(question string, who incident.Actor, answer string, at time.Time) bot.Message {
	m := bot.Message{}
	m.Textf("%s", question)
	m.Context(bot.Textf("Answered by %s at %s: *%s*", who, at.UTC().Format("15:04 UTC"), answer))
	return m
}

// offerImpactStart offers to move the impact start to when probe p saw
// the breach begin, before the declaration.
func (s *Service) offerImpactStart(tx *bot.Tx, p config.Probe, since time.Time) {
	inc := tx.Incident
	at := since.UTC().Truncate(time.Minute)
	m := bot.Message{}
	m.Textf("🕑 Probe %s saw the breach begin at %s, %s before the declaration.", p.Title(), at.Format("15:04 UTC"),
		bot.FormatDuration(inc.DeclaredAt.Sub(since)))
	m.Buttons(bot.Button{Label: "Set impact start to " + at.Format("15:04 UTC"),
		Command: bot.CmdImpactStarted + " " + at.Format(time.RFC3339)})
	tx.PostToIncident(inc.Key+"/probe/"+p.ID+"/impact-start", m)
}
