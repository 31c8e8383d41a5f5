package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/words"
)

// CardKey is the logical key of an incident's card, updated in place.
func CardKey(inc *incident.Incident) string { return inc.Key + "/card" }

// FormatDuration renders d for people: "45s", "23m", "1h 5m", "2d 3h".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	default:
		days, h := int(d.Hours())/24, int(d.Hours())%24
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd %dh", days, h)
	}
}

func secondsDur(s *int64) time.Duration { return time.Duration(*s) * time.Second }

// Clocks is the one-line summary of both clocks so far, e.g.
// "impact 23m, mitigated after 12m · cause unknown".
func Clocks(inc *incident.Incident, now time.Time) string {
	m := inc.ComputeMetrics(now)
	var impact string
	switch {
	case inc.Impact == incident.ImpactOngoing && inc.Open():
		impact = "impact ongoing for " + FormatDuration(time.Duration(m.CustomerImpact)*time.Second)
		if m.TimeToMitigate != nil {
			impact += fmt.Sprintf(" (first mitigated after %s, regressed %s)", FormatDuration(secondsDur(m.TimeToMitigate)), words.Times(m.Regressions))
		}
	case inc.Impact == incident.ImpactOngoing:
		impact = "impact " + FormatDuration(time.Duration(m.CustomerImpact)*time.Second) + ", ongoing at resolution"
		if m.TimeToMitigate != nil {
			impact += fmt.Sprintf(" (first mitigated after %s, regressed %d×)", FormatDuration(secondsDur(m.TimeToMitigate)), m.Regressions)
		}
	case m.TimeToMitigate != nil:
		impact = fmt.Sprintf("impact %s, mitigated after %s", FormatDuration(time.Duration(m.CustomerImpact)*time.Second), FormatDuration(secondsDur(m.TimeToMitigate)))
		if m.Regressions > 0 {
			impact += ", " + words.Count(m.Regressions, "regression", "regressions")
		}
	default:
		impact = "impact " + FormatDuration(time.Duration(m.CustomerImpact)*time.Second) + ", never mitigated"
	}
	cause := "cause unknown"
	if m.TimeToDiagnose != nil {
		cause = "cause identified after " + FormatDuration(secondsDur(m.TimeToDiagnose))
	}
	return impact + " · " + cause
}

func severityLabel(s incident.Severity) string {
	return strings.ToUpper(string(s))
}

func impactLabel(inc *incident.Incident) string {
	switch {
	case inc.Impact == incident.ImpactMitigated:
		return "🟢 mitigated"
	case !inc.Open():
		return "🔴 ongoing at resolution"
	}
	return "🔴 ongoing"
}

func causeLabel(inc *incident.Incident) string {
	if inc.Cause == incident.CauseIdentified {
		return "🔎 identified: " + inc.CauseText
	}
	return "❔ unknown"
}

func stateColor(inc *incident.Incident) string {
	switch {
	case !inc.Open():
		return ""
	case inc.Impact == incident.ImpactOngoing:
		return "danger"
	case inc.Cause == incident.CauseUnknown:
		return "warning"
	default:
		return "good"
	}
}

// MitigationQuestion is what the bot keeps asking while impact is ongoing.
const MitigationQuestion = "Is customer impact mitigated?"

// ActionButton is a mitigation action offered under the question.
type ActionButton struct {
	ID     string
	Title  string
	Danger bool
	// Confirm is the question asked before running it; empty: no dialog.
	Confirm string
}

func actionButtons(acts []ActionButton) []Button {
	var out []Button
	for _, a := range acts {
		b := Button{Label: a.Title, Command: "run " + a.ID}
		if a.Danger {
			b.Style = StyleDanger
		}
		if a.Confirm != "" {
			b.Confirm = &Confirm{Title: "Run this action?", Text: a.Confirm, Confirm: "Run it", Deny: "Cancel"}
		}
		out = append(out, b)
	}
	return out
}

// IncidentCard is the pinned card of an incident: what it is, who leads,
// the two clocks, and the safe moves.
func IncidentCard(inc *incident.Incident, now time.Time, acts []ActionButton) Message {
	return IncidentCardWith(inc, now, acts, nil)
}

// IncidentCardWith is IncidentCard with the panels' blocks (Panel) under
// the clocks, before the question and the safe moves.
func IncidentCardWith(inc *incident.Incident, now time.Time, acts []ActionButton, panels []Block) Message {
	m := Message{Color: stateColor(inc)}
	state := ""
	if !inc.Open() {
		state = " (resolved)"
	}
	m.Header(fmt.Sprintf("%s %s: %s%s", severityLabel(inc.Severity), inc.Key, inc.Title, state))
	services := Textf("none named yet: `/incident services <name…>`")
	if len(inc.Services) > 0 {
		services = Plain(strings.Join(inc.Services, ", "))
	}
	m.Fields(
		Field{Label: "Severity", Value: Plain(severityLabel(inc.Severity))},
		Field{Label: "Lead", Value: Rich{User(inc.Lead)}},
		Field{Label: "Impact", Value: Plain(impactLabel(inc))},
		Field{Label: "Cause", Value: Plain(causeLabel(inc))},
		Field{Label: "Services", Value: services},
		Field{Label: "Impact started", Value: Plain(inc.ImpactStartedAt.UTC().Format("2006-01-02 15:04 UTC"))},
	)
	if rf := roleFields(inc); len(rf) > 0 {
		m.Fields(rf...)
	}
	m.Context(Plain("⏱ " + Clocks(inc, now)))
	m.Blocks = append(m.Blocks, panels...)
	switch {
	case !inc.Open():
		if inc.Summary != "" {
			m.Textf("*Resolution:* %s", inc.Summary)
		}
		if inc.Impact == incident.ImpactOngoing {
			m.Textf("⚠️ Resolved with customer impact ongoing: it %s.", impactStory(inc))
		}
	case inc.Impact == incident.ImpactOngoing:
		m.Divider()
		m.Textf("*%s* Stop the bleeding first; diagnose after.", MitigationQuestion)
		m.Buttons(
			Button{Label: "Yes, mitigated", Command: "mitigated", Style: StylePrimary},
			Button{Label: "Show actions", Command: "actions"},
			Button{Label: "Timeline", Command: "timeline"},
		)
		m.PagedButtons(ActionsPaging(0), actionButtons(acts)...)
	default:
		m.Divider()
		m.Buttons(
			Button{Label: "Impact is back", Command: "regressed", Style: StyleDanger,
				Confirm: &Confirm{Title: "Impact is back?", Text: "This reopens the impact clock and restarts the mitigation check-ins.", Confirm: "Yes, it regressed", Deny: "Cancel"}},
			Button{Label: "Timeline", Command: "timeline"},
		)
	}
	m.Fallback = fmt.Sprintf("%s %s: %s — %s", severityLabel(inc.Severity), inc.Key, inc.Title, Clocks(inc, now))
	return m
}

// Topic is the incident channel's topic.
func Topic(inc *incident.Incident) string {
	// The title comes last: platforms cut long topics, and the state is
	// what a glance at the channel header is for.
	t := fmt.Sprintf("%s · impact %s · cause %s · lead %s · %s", severityLabel(inc.Severity), inc.Impact, inc.Cause, inc.Lead.Display(), inc.Title)
	if !inc.Open() {
		t = "RESOLVED · " + t
	}
	return t
}

// EventLine is the one line posted in the incident channel when ev happens.
func EventLine(inc *incident.Incident, ev incident.Event, now time.Time) Rich {
	who := User(ev.Actor)
	m := inc.ComputeMetrics(now)
	// with is ": <text>" when the event has text.
	with := func() Rich {
		if ev.Text == "" {
			return nil
		}
		return Textf(": %s", ev.Text)
	}
	switch ev.Kind {
	case incident.KindSeverityChanged:
		return Textf("🔺 %s changed the severity: %s", who, ev.Text)
	case incident.KindLeadAssigned:
		return Textf("👤 %s now leads %s (named by %s)", User(inc.Lead), inc.Key, who)
	case incident.KindStatusUpdate:
		return Textf("📣 *Update* from %s: %s", who, ev.Text)
	case incident.KindNote:
		return Textf("📝 %s noted: %s", who, ev.Text)
	case incident.KindServicesChanged:
		return Textf("🧩 %s set the affected services: %s", who, ev.Text)
	case incident.KindMitigated:
		s := Textf("✅ Customer impact mitigated, says %s%s.", who, with())
		if m.TimeToMitigate != nil && m.Regressions == 0 {
			s = append(s, Plain(" Time to mitigate: "+FormatDuration(secondsDur(m.TimeToMitigate))+".")...)
		}
		if inc.Cause == incident.CauseUnknown {
			s = append(s, Plain(" Now diagnose with less pressure.")...)
		}
		return s
	case incident.KindRegressed:
		return Textf("🔴 Customer impact is back, says %s%s. Regression #%d: mitigate again first.", who, with(), m.Regressions)
	case incident.KindDiagnosed:
		s := Textf("🔎 Cause identified by %s: %s.", who, ev.Text)
		if m.TimeToDiagnose != nil {
			s = append(s, Plain(" Time to diagnose: "+FormatDuration(secondsDur(m.TimeToDiagnose))+".")...)
		}
		if inc.Impact == incident.ImpactOngoing {
			s = append(s, Plain(" Impact is still ongoing: "+MitigationQuestion)...)
		}
		return s
	case incident.KindFailForward:
		if dl, ok := incident.FailForwardDeadline(ev); ok {
			return Textf("⏩ %s recorded a fail-forward decision while impact continues, with a deadline at %s: %s",
				who, dl.UTC().Format("15:04 UTC"), ev.Text)
		}
		return Textf("⏩ %s recorded a fail-forward decision while impact continues: %s", who, ev.Text)
	case incident.KindImpactStartMoved:
		return Textf("⏱ %s moved the impact start to %s (was %s).", who,
			inc.ImpactStartedAt.UTC().Format("2006-01-02 15:04 UTC"), fmtRFC(ev.Data["from"]))
	case incident.KindResolved:
		return Textf("🏁 %s resolved by %s%s. %s", inc.Key, who, with(), Clocks(inc, now))
	}
	return Textf("%s %s: %s", who, EventWords(ev.Kind), ev.Text)
}

func fmtRFC(v any) string {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("15:04 UTC")
}

// TimelineMessage is the reply to /incident timeline: the two clocks, the
// latest events, and the link to the full report.
func TimelineMessage(inc *incident.Incident, events []incident.Event, now time.Time, link string) Message {
	m := Message{Color: stateColor(inc)}
	m.Header(fmt.Sprintf("Timeline of %s: %s", inc.Key, inc.Title))
	m.Context(Plain("⏱ " + Clocks(inc, now)))
	const maxLines = 30
	skipped := 0
	if len(events) > maxLines {
		skipped = len(events) - maxLines
		events = events[skipped:]
	}
	var lines []Rich
	if skipped > 0 {
		lines = append(lines, Textf("_… %d earlier events in the full report_", skipped))
	}
	for _, ev := range events {
		// "10:02:00 • alice posted an update: rolling back": who did
		// what, in words; the bot's own steps read without a name.
		line := Textf("`%s` %s ", ev.At.UTC().Format("15:04:05"), kindIcon(ev.Kind))
		named := ev.Kind == incident.KindPermissionDenied // its text names who: "bob may not resolve INC-1"
		if !ev.Actor.IsZero() && ev.Actor.Platform != incident.PlatformSystem && !named {
			line = append(line, Textf("%s ", ev.Actor.Display())...)
		}
		line = append(line, Plain(EventWords(ev.Kind))...)
		if ev.Text != "" {
			line = append(line, Textf(": %s", ev.Text)...)
		}
		lines = append(lines, line)
	}
	m.Text(Join("\n", lines...))
	if link != "" {
		m.Context(Textf("Full report: %s", Link(link, "")))
	}
	m.Fallback = "Timeline of " + inc.Key + ": " + Clocks(inc, now)
	return m
}

func kindIcon(k incident.Kind) string {
	switch k {
	case incident.KindDeclared:
		return "🚨"
	case incident.KindMitigated:
		return "✅"
	case incident.KindRegressed:
		return "🔴"
	case incident.KindDiagnosed:
		return "🔎"
	case incident.KindResolved:
		return "🏁"
	case incident.KindFailForward:
		return "⏩"
	case incident.KindPermissionDenied, incident.KindActionDenied:
		return "⛔"
	}
	return "•"
}

// ErrorReply is a private error shown to the person who typed a command.
// format is the bot's markup and args are data, as in Textf.
func ErrorReply(format string, args ...any) Reply {
	text := Textf(format, args...)
	m := Message{Fallback: text.String()}
	m.Text(append(Plain("⚠️ "), text...))
	return Reply{Message: m, Error: true}
}

// TextReply is a private plain reply; format and args as in Textf.
func TextReply(format string, args ...any) Reply {
	m := Message{}
	m.Textf(format, args...)
	m.Fallback = m.Blocks[0].Text.String()
	return Reply{Message: m}
}
