package sqlite

import (
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// decEventData parses an event's data column: storage.DecodeEventData,
// which reads the usual flat objects without encoding/json's reflection.
func decEventData(s string) (map[string]any, error) { return storage.DecodeEventData([]byte(s)) }

// decEventTime parses a timestamp as encTime wrote it (timeLayout) without
// time.Parse's layout interpretation: a 10,000-event timeline has 10,000
// of them. Anything else, or a field out of range, goes through decTime.
func decEventTime(s string) (time.Time, error) {
	if len(s) != len(timeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[29] != 'Z' {
		return decTime(s)
	}
	num := func(i, j int) int {
		n := 0
		for ; i < j; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec, nsec := num(11, 13), num(14, 16), num(17, 19), num(20, 29)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 28 && day > daysIn(year, month) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 || nsec < 0 {
		return decTime(s)
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), nil
}

// daysIn is the number of days of month in year.
func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
