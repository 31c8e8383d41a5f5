package actions_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestDrillRunsAgainstDrillTargets: in a drill an action with drill
// params calls its integration with them over its params; one without is
// refused, nothing called; outside a drill the params are the real ones.
func TestDrillRunsAgainstDrillTargets(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		acts := testActions()
		acts[0].Drill = map[string]string{"service": "checkout-staging"}
		h := newHarness(t, s, acts)
		inc := h.declare()
		if err := s.CreateDrill(context.Background(), storage.Drill{IncidentID: inc.ID, Service: "checkout", StartedAt: inc.DeclaredAt}); err != nil {
			t.Fatal(err)
		}

		r := h.click(alice, "run kill-new-checkout")
		if !r.Error || !strings.Contains(replyText(r), "has no drill target") {
			t.Errorf("an action without drill params in a drill: %s", replyText(r))
		}
		if len(h.runs()) != 0 {
			t.Fatalf("a run was recorded for a refused action: %+v", h.runs())
		}

		if r := h.click(alice, "run rollback-checkout"); r.Error {
			t.Fatalf("run: %s", replyText(r))
		}
		h.step()
		calls := h.ints["deploy"].Calls()
		if len(calls) != 1 {
			t.Fatalf("%d calls", len(calls))
		}
		if p := calls[0].Params; p["service"] != "checkout-staging" || p["version"] != "v41" {
			t.Errorf("drill params %v: want service checkout-staging over the real params", p)
		}
		// A rehearsal is left out of the metrics, as out of the reports:
		// a drill's rollback must not count as a production rollback.
		if got := h.outcomes.list(); len(got) != 0 {
			t.Errorf("the drill's run reached the metrics: %v", got)
		}
	})
}

// TestNoDrillRealParams: the same action outside a drill calls the real
// target.
func TestNoDrillRealParams(t *testing.T) {
	acts := testActions()
	acts[0].Drill = map[string]string{"service": "checkout-staging"}
	h := newHarness(t, storagetest.NewSQLite(t), acts)
	h.declare()
	if r := h.click(alice, "run rollback-checkout"); r.Error {
		t.Fatalf("run: %s", replyText(r))
	}
	h.step()
	if calls := h.ints["deploy"].Calls(); len(calls) != 1 || calls[0].Params["service"] != "checkout" {
		t.Errorf("calls %+v", calls)
	}
	if got := h.outcomes.list(); len(got) != 1 || got[0] != "rollback succeeded" {
		t.Errorf("metrics saw %v, want the one real run", got)
	}
}

// TestValidateChecksDrillParams: check-config checks drill params as the
// integration checks params, over the action's own.
func TestValidateChecksDrillParams(t *testing.T) {
	cfg := &config.Config{
		Integrations: map[string]config.Integration{"flags": {Type: "flagsvc"}},
		Actions: []config.Action{
			{ID: "kill", Integration: "flags", Params: map[string]string{"flag": "x"}, Drill: map[string]string{"flag": "x-staging"}},
			{ID: "kill2", Integration: "flags", Params: map[string]string{"flag": "x"}, Drill: map[string]string{"flgo": "typo"}},
			{ID: "manual", Drill: map[string]string{"flag": "x"}},
		},
	}
	checker := func(config.Integration) (actions.ParamCheck, bool) {
		return func(p map[string]string) []actions.ParamProblem {
			var out []actions.ParamProblem
			for k := range p {
				if k != "flag" {
					out = append(out, actions.ParamProblem{Param: k, Msg: "unknown param (accepted: flag)"})
				}
			}
			return out
		}, true
	}
	var got []string
	for _, p := range actions.Validate(cfg, checker) {
		got = append(got, p.String())
	}
	want := "actions[1].drill.flgo: unknown param (accepted: flag) (integration flags, type flagsvc)\n" +
		"actions[2].drill: drill params are passed to an integration, and this action names none"
	if strings.Join(got, "\n") != want {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}
