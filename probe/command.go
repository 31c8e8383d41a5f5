package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// answerProblem is the problem of a malformed answer (a stale or
// hand-typed button).
const answerProblem = "expected a probe ID and one of still-impacting, wrong, regressed, unrelated"

// Commands are the probes' commands, for bot.Options.Commands: the answer
// the buttons of a probe's prompts send.
func (s *Service) Commands() []bot.CommandSpec {
	return []bot.CommandSpec{{
		Name:  CmdProbe,
		Shown: bot.ButtonsOnly,
		Needs: bot.OpenIncident,
		Args: []bot.Arg{
			{Name: "probe", Kind: bot.ArgID, Need: bot.Required, Shape: "probe", Missing: answerProblem, Invalid: answerProblem},
			{Name: "answer", Kind: bot.ArgChoice, Need: bot.Required,
				Choices: []string{AnswerStillImpacting, AnswerWrong, AnswerRegressed, AnswerUnrelated},
				Missing: answerProblem, Invalid: answerProblem},
		},
		Handle: s.answer,
	}}
}

// answer handles "probe <probe-id> <answer>". Agreeing with the probe
// (still impacting, regressed) does exactly what /incident regressed does;
// overruling it (wrong, unrelated) is recorded on the timeline as
// probe_overruled, and the probe asks no more about this mitigation. The
// prompt loses its buttons and says who answered.
func (s *Service) answer(ctx context.Context, tx *bot.Tx, cmd bot.Command) (bot.Reply, error) {
	inc, who := tx.Incident, tx.Actor()
	usage := "\nUsage: " + tx.Usage(CmdProbe)
	id, answer := cmd.Text("probe"), cmd.Text("answer")
	p, ok := s.byID[id]
	if !ok {
		return refuse(inc, "No probe %q is configured.%s", id, usage), nil
	}
	st, err := stateOf(ctx, tx.Q, inc.ID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return refuse(inc, "Probe %s does not watch %s.%s", p.Title(), inc.Key, usage), nil
	}
	if err != nil {
		return bot.Reply{}, fmt.Errorf("load probe %s of %s: %w", id, inc.Key, err)
	}
	mitigation, mitigated := st.Marks[storage.MarkMitigation]
	if inc.Impact != incident.ImpactMitigated || !mitigated {
		return refuse(inc, "Impact on %s is ongoing already: nothing to answer. The probe's state is on the card.", inc.Key), nil
	}
	prompt, question := promptChallenge, "The probe said customers were still impacted."
	if answer == AnswerRegressed || answer == AnswerUnrelated {
		prompt, question = promptRegression, "The probe asked whether impact is back."
	}
	key := promptKey(inc, id, prompt, mitigation)
	switch answer {
	case AnswerStillImpacting, AnswerRegressed:
		tx.UpdateInIncident(key, answeredMessage(question, who, answerWords(answer), tx.Now))
		what := fmt.Sprintf("probe %s: %s", p.Title(), seenNow(p, st))
		return tx.Dispatch(ctx, bot.CmdRegressed, map[string]string{"what": what})
	}
	mark := storage.MarkOverruled
	if answer == AnswerUnrelated {
		mark = storage.MarkUnrelated
	}
	if _, ok := st.Marks[mark]; ok {
		return refuse(inc, "Someone answered probe %s already: %s.", p.Title(), answerWords(answer)), nil
	}
	if _, err := saveMarks(ctx, tx.Q, st, func(m map[string]time.Time) { m[mark] = tx.Now }); err != nil {
		return bot.Reply{}, err
	}
	tx.UpdateInIncident(key, answeredMessage(question, who, answerWords(answer), tx.Now))
	tx.Record(incident.NewEvent(tx.Now, incident.KindProbeOverruled, who,
		fmt.Sprintf("%s: %s", p.Title(), answerWords(answer)),
		map[string]any{"probe": p.ID, "answer": answer, "status": string(st.Status)}))
	tx.Announce(bot.Textf("%s says probe %s is %s.", who, p.Title(), overruleWords(answer)))
	return reply(inc, "Recorded: probe %s overruled.", p.Title()), nil
}

// seenNow is what the probe last saw, for the regressed event's text.
func seenNow(p config.Probe, st storage.ProbeState) string {
	if st.Status == storage.ProbeImpacting {
		return seen(p, st) + ", " + thresholdWords(p)
	}
	return seen(p, st)
}

func answerWords(answer string) string {
	switch answer {
	case AnswerStillImpacting:
		return "still impacting"
	case AnswerWrong:
		return "the probe is wrong"
	case AnswerRegressed:
		return "regressed"
	}
	return "not related"
}

func overruleWords(answer string) string {
	if answer == AnswerWrong {
		return "wrong; it will not challenge this mitigation again"
	}
	return "seeing something not related to this incident; it asks again only after it clears"
}

// refuse is an error reply about inc; format and args as in bot.Textf.
func refuse(inc *incident.Incident, format string, args ...any) bot.Reply {
	r := bot.ErrorReply(format, args...)
	r.IncidentKey = inc.Key
	return r
}

// reply is a reply about inc; format and args as in bot.Textf.
func reply(inc *incident.Incident, format string, args ...any) bot.Reply {
	r := bot.TextReply(format, args...)
	r.IncidentKey = inc.Key
	return r
}
