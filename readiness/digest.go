package readiness

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tourniquet/tourniquet/bot"
)

// digestShown is how many services the digest line names, lowest first.
const digestShown = 5

// DigestBlocks is readiness's line in the weekly digest: the services
// with the lowest scores, how many preflights fail, and how many services
// were not drilled in the last 90 days. No services: no line.
func DigestBlocks(r Report) []bot.Block {
	if len(r.Services) == 0 {
		return nil
	}
	svcs := slices.Clone(r.Services)
	slices.SortStableFunc(svcs, func(a, b ServiceReport) int { return a.Score - b.Score })
	var parts []string
	for i, s := range svcs {
		if i == digestShown {
			parts = append(parts, fmt.Sprintf("and %d more", len(svcs)-digestShown))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", s.Service, s.Score))
	}
	failing, undrilled := map[string]bool{}, 0
	for _, s := range r.Services {
		for _, a := range s.Actions {
			if a.Preflight == PreflightFailed {
				failing[a.ID] = true
			}
		}
		if s.LastDrill == nil || r.GeneratedAt.Sub(*s.LastDrill) > Fresh {
			undrilled++
		}
	}
	text := bot.Textf("🛡 *Readiness* (lowest first): %s · %d failing preflights · %d of %d services not drilled in 90 days. `tourniquet readiness` or the readiness page says what to fix.",
		strings.Join(parts, ", "), len(failing), undrilled, len(r.Services))
	return []bot.Block{{Kind: bot.BlockText, Text: text}}
}
