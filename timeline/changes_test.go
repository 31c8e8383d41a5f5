package timeline_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/timeline"
)

func TestChangeStory(t *testing.T) {
	start := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	alice := incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}
	inc := &incident.Incident{Key: "INC-9", Title: "Checkout errors", Severity: incident.Sev1, Impact: incident.ImpactMitigated,
		State: incident.StateOpen, Services: []string{"checkout"}, ImpactStartedAt: start, DeclaredAt: start.Add(2 * time.Minute),
		MitigatedAt: ptr(start.Add(9 * time.Minute))}
	run := map[string]any{"run_id": "r1", "action_id": "rollback-checkout", "title": "Roll back checkout", "kind": "rollback"}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range run {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	evs := []incident.Event{
		incident.NewEvent(start.Add(2*time.Minute), incident.KindDeclared, alice, "Checkout errors", nil),
		// Stored events come back from JSON: the change ID is a float64.
		incident.NewEvent(start.Add(4*time.Minute), incident.KindActionRequested, alice, "Roll back checkout",
			with(map[string]any{"change_id": float64(7), "change": "deploy checkout v42"})),
		incident.NewEvent(start.Add(4*time.Minute+5*time.Second), incident.KindActionSucceeded, incident.System, "rolled back", run),
		incident.NewEvent(start.Add(6*time.Minute+10*time.Second), incident.KindActionEffective, incident.System, "took effect",
			with(map[string]any{"seen": "Healthy at v41"})),
		incident.NewEvent(start.Add(9*time.Minute), incident.KindMitigated, alice, "after the rollback", nil),
	}
	changes := []incident.Change{
		{ID: 9, Service: "checkout", Kind: incident.ChangeFlag, Flag: "new-checkout", Value: "on", By: "bo", At: start.Add(-25 * time.Minute)},
		{ID: 7, Service: "checkout", Kind: incident.ChangeDeploy, Version: "v42", PreviousVersion: "v41", By: "ana", At: start.Add(-12 * time.Minute)},
		{ID: 3, Service: "checkout", Kind: incident.ChangeDeploy, Version: "v40", At: start.Add(-3 * time.Hour)},
	}
	x := timeline.Build(inc, evs, start.Add(time.Hour)).WithChanges(changes, 2*time.Hour)
	if len(x.Changes) != 2 {
		t.Fatalf("%d changes in the story, want 2 (the 3h-old one is outside the window): %+v", len(x.Changes), x.Changes)
	}
	deploy := x.Changes[1]
	if !deploy.Undone || deploy.Undo.Outcome != "succeeded" || deploy.Undo.Effect != "effective" ||
		*deploy.Undo.EffectAfterClick != 130 || deploy.Undo.MitigatedAt == nil || deploy.BeforeImpact != 720 {
		t.Errorf("deploy story %+v %+v", deploy, deploy.Undo)
	}
	if x.Changes[0].Undone {
		t.Error("the flag change was never undone")
	}
	lines := strings.Join(x.ChangeLines(), "\n")
	for _, want := range []string{
		"deploy checkout v42 by ana, 12m before impact → undone with Roll back checkout (clicked",
		"→ succeeded → took effect 2m 10s after the click → impact mitigated at",
		"flag new-checkout on by bo, 25m before impact → not undone",
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("story does not say %q:\n%s", want, lines)
		}
	}
	var titles []string
	for _, f := range x.Findings() {
		titles = append(titles, f.Title+": "+strings.Join(f.Items, "; "))
	}
	got := strings.Join(titles, "\n")
	for _, want := range []string{
		"Impact started within 25m of a change that was not rolled back: flag new-checkout on by bo",
		"Rollback took effect 2m 10s after the click",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("findings do not say %q:\n%s", want, got)
		}
	}
	md := x.Markdown()
	if !strings.Contains(md, "## Changes before impact") || !strings.Contains(md, "- deploy checkout v42 by ana, 12m before impact") {
		t.Errorf("Markdown lacks the changes:\n%s", md)
	}
	b, err := x.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var round struct {
		Changes []struct {
			Undone bool `json:"undone"`
			Undo   struct {
				EffectAfterClick int64 `json:"effect_after_click"`
			} `json:"undo"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(b, &round); err != nil || len(round.Changes) != 2 || round.Changes[1].Undo.EffectAfterClick != 130 {
		t.Errorf("JSON changes = %+v, %v", round, err)
	}
}

func ptr[T any](v T) *T { return &v }
