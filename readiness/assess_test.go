package readiness_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/readiness"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// people is a directory of one platform: IDs that still exist.
type people map[string]bool

func (p people) UserExists(_ context.Context, id string) (bool, error) { return p[id], nil }

// flaky is an integration whose preflight answers err.
type flaky struct{ err error }

func (flaky) Run(context.Context, actiontype.Request) (actiontype.Result, error) {
	return actiontype.Result{}, errors.New("a preflight test never runs an action")
}
func (f flaky) Preflight(context.Context, actiontype.Request) error { return f.err }

// runOnly is an integration with no preflight.
type runOnly struct{}

func (runOnly) Run(context.Context, actiontype.Request) (actiontype.Result, error) {
	return actiontype.Result{}, nil
}

func catalog() []config.Action {
	return []config.Action{
		{ID: "kill-checkout", Kind: config.KindKillSwitch, Integration: "flags", Services: []string{"checkout"},
			Allowed: []string{"slack:U1"}, Drill: map[string]string{"environment": "staging"}},
		{ID: "rollback-checkout", Kind: config.KindRollback, Integration: "deploy", Services: []string{"checkout"},
			Allowed: []string{"group:sre"}},
		{ID: "rollback-search", Kind: config.KindRollback, Integration: "hook", Services: []string{"search"},
			Allowed: []string{"slack:U9"}},
		{ID: "page-dba", Kind: config.KindCustom, Services: []string{"search"}, Allowed: []string{"lead"}},
	}
}

func TestAssessAndScore(t *testing.T) {
	now := t0
	ints := map[string]actiontype.Integration{"flags": flaky{}, "deploy": flaky{err: &actiontype.Error{System: "deploy", Msg: "401 bad token"}}, "hook": runOnly{}}
	results := readiness.RunPreflights(context.Background(), catalog(), ints, func() time.Time { return now }, nil)
	if len(results) != 3 || !results["kill-checkout"].OK || results["rollback-checkout"].OK || results["rollback-search"].OK {
		t.Fatalf("preflight results %+v", results)
	}
	in := readiness.Inputs{
		Actions:     catalog(),
		Groups:      map[string][]string{"sre": {"slack:U2", "slack:U3"}},
		Directories: readiness.Directories{"slack": people{"U1": true, "U3": true}},
		Preflights:  results,
		LastRuns:    map[string]time.Time{"kill-checkout": now.Add(-24 * time.Hour)},
		Drills:      []storage.Drill{{Service: "checkout", StartedAt: now.Add(-200 * 24 * time.Hour)}, {Service: "search", StartedAt: now.Add(-2 * 24 * time.Hour)}},
		Now:         now,
	}
	r := readiness.Assess(context.Background(), in)
	if len(r.Services) != 2 || r.Services[0].Service != "checkout" || r.Services[1].Service != "search" {
		t.Fatalf("services %+v", r.Services)
	}
	co, se := r.Services[0], r.Services[1]
	// checkout: kill switch + rollback (20), people 2/2 (20), preflights
	// 1/2 (10), ran yesterday (10), drilled 200 days ago (0) = 60.
	if co.Score != 60 {
		t.Errorf("checkout score %d, want 60: %+v", co.Score, co)
	}
	if got := co.Missing; len(got) != 2 || got[0] != config.KindRouteAway || got[1] != config.KindConfigRevert {
		t.Errorf("checkout missing %v", got)
	}
	if !co.Actions[0].Drill || co.Actions[1].Drill {
		t.Errorf("drill params not reported: %+v", co.Actions)
	}
	if co.Actions[1].People.Detail != "gone: slack:U2" || co.Actions[1].Preflight != readiness.PreflightFailed {
		t.Errorf("rollback-checkout %+v", co.Actions[1])
	}
	// search: rollback (10), people 1/2 (10: U9 is gone, lead resolves),
	// credentials: unchecked 0.5 + manual 1 of 2 (15), no run (0),
	// drilled two days ago (10) = 45.
	if se.Score != 45 {
		t.Errorf("search score %d, want 45: %+v", se.Score, se)
	}
	if p := se.Actions[0].People; p.OK || p.Detail == "" {
		t.Errorf("rollback-search people %+v: U9 no longer exists", p)
	}
	if se.LastDrill == nil || se.LastRun != nil {
		t.Errorf("search last drill %v last run %v", se.LastDrill, se.LastRun)
	}
	if r.Lowest() != 45 {
		t.Errorf("lowest %d", r.Lowest())
	}
}

// TestPreflightsRunOnceAcrossReplicas: two schedulers on one store run
// the daily preflights once, store the results, and run them again a day
// later.
func TestPreflightsRunOnceAcrossReplicas(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		clk := clock.NewFake(t0)
		calls := 0
		counting := countingPreflight{n: &calls}
		var scheds []*readiness.PreflightScheduler
		for range 2 {
			p, err := readiness.NewPreflightScheduler(readiness.PreflightOptions{Store: s, Clock: clk, Actions: catalog()[:1],
				Integrations: map[string]actiontype.Integration{"flags": counting}})
			if err != nil {
				t.Fatal(err)
			}
			scheds = append(scheds, p)
		}
		ctx := context.Background()
		ran := 0
		for _, p := range scheds {
			ok, err := p.RunDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				ran++
			}
		}
		if ran != 1 || calls != 1 {
			t.Fatalf("ran %d times, %d calls; want once", ran, calls)
		}
		clk.Advance(23 * time.Hour)
		if ok, _ := scheds[1].RunDue(ctx); ok {
			t.Error("ran again before a day passed")
		}
		clk.Advance(time.Hour)
		if ok, _ := scheds[1].RunDue(ctx); !ok || calls != 2 {
			t.Errorf("did not run a day later (calls %d)", calls)
		}
		got, err := s.ListPreflightResults(ctx)
		if err != nil || len(got) != 1 || !got[0].OK || !got[0].CheckedAt.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("stored %+v, %v", got, err)
		}
	})
}

type countingPreflight struct{ n *int }

func (countingPreflight) Run(context.Context, actiontype.Request) (actiontype.Result, error) {
	return actiontype.Result{}, errors.New("never run")
}
func (c countingPreflight) Preflight(context.Context, actiontype.Request) error { *c.n++; return nil }

func TestDigestLine(t *testing.T) {
	now := t0
	in := readiness.Inputs{Actions: catalog(), Groups: map[string][]string{"sre": {"slack:U3"}},
		Preflights: map[string]storage.PreflightResult{"rollback-checkout": {ActionID: "rollback-checkout", CheckedAt: now, Detail: "401"}},
		Drills:     []storage.Drill{{Service: "search", StartedAt: now.Add(-time.Hour)}}, Now: now}
	bs := readiness.DigestBlocks(readiness.Assess(context.Background(), in))
	if len(bs) != 1 {
		t.Fatalf("%d blocks", len(bs))
	}
	got := bs[0].Text.String()
	// checkout: 20 coverage + 20 people (not checked: present) + 0
	// preflights (one never ran, one failed) = 40; search: 10 + 20 + 10
	// (the manual step) + 10 (drilled) = 50.
	for _, want := range []string{"checkout 40, search 50", "1 failing preflights", "1 of 2 services not drilled"} {
		if !strings.Contains(got, want) {
			t.Errorf("digest line %q lacks %q", got, want)
		}
	}
	if readiness.DigestBlocks(readiness.Report{}) != nil {
		t.Error("a line with no service")
	}
}

// TestServiceWithoutSafeMoves: a service a probe or an alert route names,
// with no action, shows with every safe move missing and scores 0.
func TestServiceWithoutSafeMoves(t *testing.T) {
	r := readiness.Assess(context.Background(), readiness.Inputs{Actions: catalog(), Services: []string{"Payments", "checkout"}, Now: t0})
	var names []string
	for _, s := range r.Services {
		names = append(names, s.Service)
	}
	if strings.Join(names, ",") != "checkout,payments,search" {
		t.Fatalf("services %v", names)
	}
	p := r.Services[1]
	if p.Score != 0 || len(p.Missing) != 4 || len(p.SafeMoves) != 0 || len(p.Actions) != 0 {
		t.Errorf("payments %+v", p)
	}
}
