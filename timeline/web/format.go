package web

import (
	"time"

	"github.com/tourniquet/tourniquet/timeline"
)

// shortAt is a time of day as the report writes it: "14:05 UTC".
func shortAt(t time.Time) string { return t.UTC().Format(timeline.LayoutShort) }

// secs is how many whole seconds passed from a to b.
func secs(a, b time.Time) int64 { return int64(b.Sub(a) / time.Second) }

// plural is one when n is 1, many otherwise.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
