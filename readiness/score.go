package readiness

import "time"

// Fresh is how recent a real run or a drill must be to count in the
// score.
const Fresh = 90 * 24 * time.Hour

// Score is a service's readiness from 0 to 100 (docs/readiness.md):
//
//   - 40 for coverage: 10 for each kind of safe move configured (rollback,
//     kill switch, route away, config revert);
//   - 20 for people: the share of its actions whose allowed list still
//     resolves to someone;
//   - 20 for credentials: the share of its actions whose latest preflight
//     passed (a manual step counts as passed, an integration with no
//     read-only check as half, a failure or no result as nothing);
//   - 10 if one of its actions ran for real, successfully, in the last 90
//     days, and 10 if it was drilled in the last 90 days.
//
// A service with no action scores 0.
func Score(s ServiceReport, now time.Time) int {
	if len(s.Actions) == 0 {
		return 0
	}
	score := 10 * float64(len(s.SafeMoves))
	var people, creds float64
	for _, a := range s.Actions {
		if a.People.OK {
			people++
		}
		switch a.Preflight {
		case PreflightPassed, PreflightNone:
			creds++
		case PreflightUncheckable:
			creds += 0.5
		}
	}
	n := float64(len(s.Actions))
	score += 20*people/n + 20*creds/n
	if s.LastRun != nil && now.Sub(*s.LastRun) <= Fresh {
		score += 10
	}
	if s.LastDrill != nil && now.Sub(*s.LastDrill) <= Fresh {
		score += 10
	}
	return int(score + 0.5)
}
