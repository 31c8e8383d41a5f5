package actions_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
)

func TestCatalogOffersTheIncidentsActions(t *testing.T) {
	cat, err := actions.NewCatalog(testActions(), testIntegrations)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(inc *incident.Incident) string {
		var out []string
		for _, b := range cat.Buttons(inc) {
			out = append(out, fmt.Sprintf("%s(danger=%v)", b.ID, b.Danger))
		}
		return strings.Join(out, " ")
	}
	checkout := &incident.Incident{Services: []string{"checkout"}}
	if got := ids(checkout); got != "rollback-checkout(danger=true) debug-logging(danger=false) kill-new-checkout(danger=true) restore-new-checkout(danger=false)" {
		t.Errorf("checkout incident: %s", got)
	}
	if got := ids(&incident.Incident{Services: []string{"payments"}}); !strings.Contains(got, "page-payments") || strings.Contains(got, "rollback-checkout") {
		t.Errorf("payments incident: %s", got)
	}
	if got := ids(&incident.Incident{}); strings.Contains(got, "rollback-checkout") || !strings.Contains(got, "debug-logging") {
		t.Errorf("an incident naming no service gets only the actions for every incident: %s", got)
	}
	b := cat.Buttons(checkout)[2]
	if b.Confirm != "Kill switch: new checkout? This calls flags now. A second allowed person must approve it before it runs." {
		t.Errorf("confirm text %q", b.Confirm)
	}
	restore, _ := cat.Get("restore-new-checkout")
	kill, _ := cat.Get("kill-new-checkout")
	if !restore.Inverse || kill.Inverse {
		t.Error("the undo on the same integration must ask for the inverse operation, and only it")
	}
	noConfirm := testActions()[:1]
	noConfirm[0].Confirm = new(bool)
	cat2, _ := actions.NewCatalog(noConfirm, testIntegrations)
	if b := cat2.Buttons(checkout); len(b) != 1 || b[0].Confirm != "" {
		t.Errorf("confirm: false still shows a dialog: %+v", b)
	}
}

func TestCatalogRefusesBrokenConfiguration(t *testing.T) {
	acts := testActions()
	acts[0].Integration = "nope"
	acts[2].Undo = "missing"
	acts = append(acts, acts[1])
	_, err := actions.NewCatalog(acts, testIntegrations)
	if err == nil {
		t.Fatal("NewCatalog accepted an unknown integration, an undo naming no action and a duplicate id")
	}
	for _, want := range []string{`integration "nope" is not defined`, `undo "missing" names no other action`, `duplicate id "debug-logging"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestValidateChecksParamsPerIntegration(t *testing.T) {
	cfg := &config.Config{
		Integrations: map[string]config.Integration{"flags": {Type: "flagsvc"}, "hook": {Type: "unknown-type"}},
		Actions: []config.Action{
			{ID: "kill", Integration: "flags", Params: map[string]string{"flag": "x", "flgo": "y"}},
			{ID: "kill2", Integration: "flags", Params: map[string]string{}},
			{ID: "hooked", Integration: "hook", Params: map[string]string{"anything": "goes"}},
			{ID: "ghost", Integration: "nowhere"},
			{ID: "manual", Params: map[string]string{"x": "y"}, Undo: "kill3"},
		},
	}
	checker := func(in config.Integration) (actions.ParamCheck, bool) {
		if in.Type != "flagsvc" {
			return nil, false
		}
		return func(p map[string]string) []actions.ParamProblem {
			var out []actions.ParamProblem
			for k := range p {
				if k != "flag" {
					out = append(out, actions.ParamProblem{Param: k, Msg: "unknown param (accepted: flag)"})
				}
			}
			if p["flag"] == "" {
				out = append(out, actions.ParamProblem{Param: "flag", Msg: "required: the flag key"})
			}
			return out
		}, true
	}
	var got []string
	for _, p := range actions.Validate(cfg, checker) {
		got = append(got, p.String())
	}
	want := []string{
		"actions[0].params.flgo: unknown param (accepted: flag) (integration flags, type flagsvc)",
		"actions[1].params.flag: required: the flag key (integration flags, type flagsvc)",
		`actions[3].integration: integration "nowhere" is not defined in integrations`,
		`actions[4].undo: "kill3" names no other action`,
		"actions[4].params: params are passed to an integration, and this action names none",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRedactParams(t *testing.T) {
	got := actions.RedactParams(map[string]string{"flag": "x", "token": "t0k3n", "db_password": "pw", "api_key": "k"})
	if fmt.Sprint(got) != "map[api_key:<secret> db_password:<secret> flag:x token:<secret>]" {
		t.Errorf("RedactParams = %v", got)
	}
}
