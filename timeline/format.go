package timeline

import (
	"strconv"
	"time"
)

// FormatSeconds renders a duration in seconds for people: "45s", "12m",
// "12m 30s", "2h 05m", "1d 03h".
func FormatSeconds(s int64) string { return string(appendSeconds(nil, s)) }

func append2(b []byte, n int64) []byte {
	if n < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, n, 10)
}

// appendSeconds appends FormatSeconds(s) to b.
func appendSeconds(b []byte, s int64) []byte {
	if s < 0 {
		s = -s
	}
	switch {
	case s < 60:
		return append(strconv.AppendInt(b, s, 10), 's')
	case s < 3600:
		b = append(strconv.AppendInt(b, s/60, 10), 'm')
		if s%60 == 0 {
			return b
		}
		return append(append2(append(b, ' '), s%60), 's')
	case s < 86400:
		b = append(strconv.AppendInt(b, s/3600, 10), "h "...)
		return append(append2(b, s%3600/60), 'm')
	default:
		b = append(strconv.AppendInt(b, s/86400, 10), "d "...)
		return append(append2(b, s%86400/3600), 'h')
	}
}

// FormatClock renders an optional metric: the duration, or "not reached".
func FormatClock(s *int64) string {
	if s == nil {
		return "not reached"
	}
	return FormatSeconds(*s)
}

// The report's time layouts, for times in UTC: a full timestamp, and the
// time of day within an incident.
const (
	LayoutFull  = "2006-01-02 15:04:05 UTC"
	LayoutShort = "15:04 UTC"
)

func fmtTime(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format(LayoutFull)
}

// offset renders t relative to the impact start: "T+12m", "T−3m".
func offset(start, t time.Time) string { return string(AppendOffset(nil, start, t)) }

// AppendOffset appends t relative to the impact start ("T+12m", "T−3m")
// to b, for renderers that write many (the pages' event tables).
func AppendOffset(b []byte, start, t time.Time) []byte {
	d := int64(t.Sub(start) / time.Second)
	if d < 0 {
		return appendSeconds(append(b, "T−"...), -d)
	}
	return appendSeconds(append(b, "T+"...), d)
}
