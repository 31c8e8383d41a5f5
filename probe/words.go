package probe

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
)

// valueWords is a value as the probe's unit reads: "38.2%", "250ms", "12.5".
func valueWords(p config.Probe, v float64) string {
	switch p.Unit {
	case config.UnitRatio:
		return number(v*100) + "%"
	case config.UnitSeconds:
		return latencyWords(time.Duration(v * float64(time.Second)))
	}
	return number(v)
}

// number is v with at most three decimals and no trailing zeros.
func number(v float64) string {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// latencyWords is a short duration: "85ms", "1.2s", "2m".
func latencyWords(d time.Duration) string {
	switch {
	case d < time.Second:
		return strconv.FormatInt(d.Round(time.Millisecond).Milliseconds(), 10) + "ms"
	case d < time.Minute:
		return number(float64(d.Round(10*time.Millisecond))/float64(time.Second)) + "s"
	}
	return bot.FormatDuration(d)
}

// thresholdWords is the threshold: "above 2%", "below 0.99".
func thresholdWords(p config.Probe) string {
	switch w := p.ImpactingWhen; {
	case w.Above != nil:
		return "above " + valueWords(p, *w.Above)
	case w.Below != nil:
		return "below " + valueWords(p, *w.Below)
	}
	return ""
}

// withinWords is the side of the threshold that is clear: "not above 2%".
func withinWords(p config.Probe) string {
	if t := thresholdWords(p); t != "" {
		return "not " + t
	}
	return ""
}

// seen is what the probe last saw: "checkout error ratio 38.2%" or, for a
// synthetic check, "checkout home page: HTTP 503 in 80ms, want 200".
func seen(p config.Probe, s storage.ProbeState) string {
	switch {
	case p.Type == config.ProbeHTTP && s.Message != "":
		return p.Title() + ": " + s.Message
	case s.Value != nil:
		return p.Title() + " " + valueWords(p, *s.Value)
	}
	return p.Title()
}

// describe is a probe's state in words, as the card and the check-ins show
// it: "checkout error ratio 38.2% — above 2% for 6m, still impacting".
func describe(p config.Probe, s storage.ProbeState, now time.Time) string {
	breach := ""
	if s.BreachSince != nil {
		breach = " for " + bot.FormatDuration(now.Sub(*s.BreachSince))
	}
	switch s.Status {
	case storage.ProbePending:
		if s.EvaluatedAt == nil {
			return p.Title() + ": not evaluated yet"
		}
	case storage.ProbeUnknown:
		return p.Title() + ": unknown — " + s.Message
	case storage.ProbeImpacting:
		state := "still impacting"
		if s.EvaluatedAt != nil && s.StatusSince.Equal(*s.EvaluatedAt) {
			state = "impacting"
		}
		if p.Type == config.ProbeHTTP {
			return fmt.Sprintf("%s — failing%s, %s", seen(p, s), breach, state)
		}
		return fmt.Sprintf("%s — %s%s, %s", seen(p, s), thresholdWords(p), breach, state)
	}
	// Clear, perhaps with a breach that has not lasted the probe's "for".
	if s.BreachSince != nil {
		what := thresholdWords(p)
		if p.Type == config.ProbeHTTP {
			what = "failing"
		}
		return fmt.Sprintf("%s — %s%s, impacting if it lasts %s", seen(p, s), what, breach, bot.FormatDuration(p.For))
	}
	clear := "clear for " + bot.FormatDuration(now.Sub(s.StatusSince))
	if w := withinWords(p); w != "" && p.Type != config.ProbeHTTP {
		return fmt.Sprintf("%s — %s, %s", seen(p, s), w, clear)
	}
	return fmt.Sprintf("%s — %s", seen(p, s), clear)
}

// statusEmoji marks a probe's state on the card.
func statusEmoji(s storage.ProbeStatus) string {
	switch s {
	case storage.ProbeImpacting:
		return "🔴"
	case storage.ProbeClear:
		return "🟢"
	}
	return "⚪"
}
