package timeline

import (
	"fmt"
	"time"
)

// FormatSeconds renders a duration in seconds for people: "45s", "12m",
// "12m 30s", "2h 05m", "1d 03h".
func FormatSeconds(s int64) string {
	if s < 0 {
		s = -s
	}
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		if s%60 == 0 {
			return fmt.Sprintf("%dm", s/60)
		}
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh %02dm", s/3600, s%3600/60)
	default:
		return fmt.Sprintf("%dd %02dh", s/86400, s%86400/3600)
	}
}

// formatClock renders an optional metric: the duration, or "not reached".
func formatClock(s *int64) string {
	if s == nil {
		return "not reached"
	}
	return FormatSeconds(*s)
}

const (
	layoutFull  = "2006-01-02 15:04:05 UTC"
	layoutShort = "15:04 UTC"
)

func fmtTime(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format(layoutFull)
}

// offset renders t relative to the impact start: "T+12m", "T−3m".
func offset(start, t time.Time) string {
	d := int64(t.Sub(start) / time.Second)
	if d < 0 {
		return "T−" + FormatSeconds(-d)
	}
	return "T+" + FormatSeconds(d)
}
