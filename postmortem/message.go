package postmortem

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline"
)

var (
	massMention = regexp.MustCompile(`<[!@#][^>]*>`)
	atMention   = regexp.MustCompile(`@(everyone|here|channel)\b`)
)

// maxSummary bounds a model's summary.
const maxSummary = 2500

// cleanModelText makes a model's answer safe to post: no mentions that
// would notify people, no control characters, bounded length.
func cleanModelText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
	s = massMention.ReplaceAllStringFunc(s, func(m string) string { return "‹" + m[1:len(m)-1] + "›" })
	s = atMention.ReplaceAllString(s, "@\u200b$1")
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxSummary {
		s = string(r[:maxSummary]) + "…"
	}
	return s
}

// DraftMessage is the message the bot posts: the two clocks and the
// headline number, the summary, how it was written, and the link.
func DraftMessage(x timeline.Export, summary, note, link string) bot.Message {
	inc := x.Incident
	m := bot.Message{}
	if inc.State == incident.StateResolved {
		m.Header(fmt.Sprintf("📝 Postmortem draft: %s %s", inc.Key, inc.Title))
	} else {
		m.Header(fmt.Sprintf("📝 Summary so far: %s %s", inc.Key, inc.Title))
		if inc.Impact == incident.ImpactOngoing {
			m.Color = "danger"
		}
	}
	mt := x.Metrics
	m.Fields(
		bot.Field{Label: "Customer impact", Value: bot.Plain(timeline.FormatSeconds(mt.CustomerImpact))},
		bot.Field{Label: "Time to mitigate", Value: bot.Plain(timeline.FormatClock(mt.TimeToMitigate))},
		bot.Field{Label: "Time to diagnose", Value: bot.Plain(timeline.FormatClock(mt.TimeToDiagnose))},
		bot.Field{Label: "Time to resolve", Value: bot.Plain(timeline.FormatClock(mt.TimeToResolve))},
	)
	// The summary is a model's words, or the template's built from what
	// people typed: data, shown as written.
	m.Text(bot.Plain(summary))
	if note != "" {
		m.Context(bot.Plain(note))
	}
	if link != "" {
		m.Contextf("Full report, chart and Markdown export: %s", bot.Link(link, ""))
	}
	m.Fallback = fmt.Sprintf("%s: impact %s, mitigated after %s, diagnosed after %s", inc.Key,
		timeline.FormatSeconds(mt.CustomerImpact), timeline.FormatClock(mt.TimeToMitigate), timeline.FormatClock(mt.TimeToDiagnose))
	return m
}
