package bottest

import (
	"testing"

	"github.com/tourniquet/tourniquet/bot"
)

// NewEngine is bot.NewEngine for a test: it fails the test at once when the
// engine refuses its commands (a name given twice), which is a mistake in
// the test, not something to handle.
func NewEngine(t testing.TB, o bot.Options) *bot.Engine {
	t.Helper()
	e, err := bot.NewEngine(o)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}
