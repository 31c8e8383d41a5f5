package readiness

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
)

// SafeMoves are the kinds of safe move readiness looks for per service,
// in the order it lists them (config.ActionKinds names them).
var SafeMoves = []string{config.KindRollback, config.KindKillSwitch, config.KindRouteAway, config.KindConfigRevert}

// EveryService names, in a report, the actions that name no service:
// they are offered on every incident, so they count for every service.
const EveryService = "*"

// Preflight states of an action.
const (
	PreflightPassed      = "passed"
	PreflightFailed      = "failed"
	PreflightNever       = "never"      // no result stored yet
	PreflightNone        = "not-needed" // a manual step: nothing to call
	PreflightUncheckable = "unchecked"  // the integration has no read-only check, as configured
)

// Inputs are what an assessment reads: the configuration in force and
// what the store knows.
type Inputs struct {
	Actions      []config.Action
	Integrations map[string]config.Integration
	Groups       map[string][]string
	Directories  Directories
	// Preflights are the latest preflight results, by action ID.
	Preflights map[string]storage.PreflightResult
	// LastRuns are the last real successful runs, by action ID.
	LastRuns map[string]time.Time
	// Drills are every drill (storage.ReadinessStore.ListDrills).
	Drills []storage.Drill
	// Services are the services named elsewhere (a probe's, an alert
	// route's): each gets its line even when no action names it, so that
	// a service with no safe move shows, scoring 0.
	Services []string
	Now      time.Time
}

// Report is the readiness of every service.
type Report struct {
	GeneratedAt time.Time       `json:"generated_at"`
	Services    []ServiceReport `json:"services"`
}

// ServiceReport is one service's readiness.
type ServiceReport struct {
	Service string `json:"service"`
	Score   int    `json:"score"`
	// SafeMoves are the kinds of safe move configured; Missing those not.
	SafeMoves []string       `json:"safe_moves"`
	Missing   []string       `json:"missing"`
	Actions   []ActionReport `json:"actions"`
	// LastRun is the last real successful run of any of its actions;
	// LastDrill the start of its last drill.
	LastRun   *time.Time `json:"last_run"`
	LastDrill *time.Time `json:"last_drill"`
}

// ActionReport is one action's readiness.
type ActionReport struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Integration string     `json:"integration,omitempty"`
	People      People     `json:"people"`
	Preflight   string     `json:"preflight"`
	CheckedAt   *time.Time `json:"checked_at,omitempty"`
	Detail      string     `json:"detail,omitempty"`
	LastRun     *time.Time `json:"last_run"`
	// Drill says whether the action has drill params (it can run in a
	// drill).
	Drill bool `json:"drill"`
}

// Assess builds the readiness report of in.
func Assess(ctx context.Context, in Inputs) Report {
	bySvc := map[string][]config.Action{}
	for _, a := range in.Actions {
		svcs := a.Services
		if len(svcs) == 0 {
			svcs = []string{EveryService}
		}
		for _, s := range svcs {
			s = strings.ToLower(strings.TrimSpace(s))
			bySvc[s] = append(bySvc[s], a)
		}
	}
	// A service drilled but named by no action still gets its line: it is
	// offered the actions for every service.
	named := slices.Clone(in.Services)
	for _, d := range in.Drills {
		named = append(named, d.Service)
	}
	for _, s := range named {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" && bySvc[s] == nil {
			bySvc[s] = []config.Action{}
		}
	}
	// The actions for every service count for each named one.
	if every := bySvc[EveryService]; len(every) > 0 {
		for s := range bySvc {
			if s != EveryService {
				bySvc[s] = append(bySvc[s], every...)
			}
		}
	}
	lastDrill := map[string]time.Time{}
	for _, d := range in.Drills {
		s := strings.ToLower(d.Service)
		if t, ok := lastDrill[s]; !ok || d.StartedAt.After(t) {
			lastDrill[s] = d.StartedAt
		}
	}
	people := map[string]People{}
	r := Report{GeneratedAt: in.Now.UTC(), Services: []ServiceReport{}}
	for _, svc := range sortedKeys(bySvc) {
		sr := ServiceReport{Service: svc, SafeMoves: []string{}, Missing: []string{}}
		kinds := map[string]bool{}
		for _, a := range bySvc[svc] {
			kinds[a.Kind] = true
			p, ok := people[a.ID]
			if !ok {
				p = resolvePeople(ctx, a.Allowed, in.Groups, in.Directories)
				people[a.ID] = p
			}
			ar := ActionReport{ID: a.ID, Kind: a.Kind, Integration: a.Integration, People: p, Drill: len(a.Drill) > 0}
			ar.Preflight, ar.CheckedAt, ar.Detail = preflightState(a, in.Preflights)
			if t, ok := in.LastRuns[a.ID]; ok {
				ar.LastRun = &t
				if sr.LastRun == nil || t.After(*sr.LastRun) {
					sr.LastRun = &t
				}
			}
			sr.Actions = append(sr.Actions, ar)
		}
		for _, k := range SafeMoves {
			if kinds[k] {
				sr.SafeMoves = append(sr.SafeMoves, k)
			} else {
				sr.Missing = append(sr.Missing, k)
			}
		}
		if t, ok := lastDrill[svc]; ok {
			sr.LastDrill = &t
		}
		sr.Score = Score(sr, in.Now)
		r.Services = append(r.Services, sr)
	}
	return r
}

func preflightState(a config.Action, results map[string]storage.PreflightResult) (string, *time.Time, string) {
	if a.Integration == "" {
		return PreflightNone, nil, ""
	}
	res, ok := results[a.ID]
	if !ok {
		return PreflightNever, nil, ""
	}
	at := res.CheckedAt
	switch {
	case res.OK:
		return PreflightPassed, &at, ""
	case res.Detail == errNoPreflightText:
		return PreflightUncheckable, &at, res.Detail
	}
	return PreflightFailed, &at, res.Detail
}

func mapsKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Lowest is the lowest score of r, and 100 with no service.
func (r Report) Lowest() int {
	low := 100
	for _, s := range r.Services {
		low = min(low, s.Score)
	}
	return low
}

// errNoPreflightText is the stored detail of an integration that has no
// read-only check as configured (actiontype.ErrNoPreflight).
const errNoPreflightText = "no read-only check is configured for this integration"
