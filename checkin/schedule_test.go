package checkin

import (
	"testing"
	"time"
)

// An "@every" cadence keeps the fraction of a second it started at, so
// that incidents declared at different instants do not all fall due on
// whole seconds; a cron spec keeps its own times.
func TestEveryKeepsTheFractionOfASecond(t *testing.T) {
	every, err := parseSchedule("cadence.sev1", "@every 10m", "")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 12, 2, 4, 0, 7, 345_678_901, time.UTC)
	if got, want := every.Next(from), from.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("@every 10m after %s = %s, want %s", from, got, want)
	}
	if got, want := every.after(from, from.Add(25*time.Minute)), from.Add(35*time.Minute); !got.Equal(want) {
		t.Errorf("after downtime: %s, want %s (from now, not replayed)", got, want)
	}
	if got := every.interval(from); got != 10*time.Minute {
		t.Errorf("interval %s, want 10m", got)
	}
	cron, err := parseSchedule("cadence.sev1", "*/15 * * * *", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cron.Next(from), time.Date(2026, 12, 2, 4, 15, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("*/15 after %s = %s, want %s", from, got, want)
	}
}
