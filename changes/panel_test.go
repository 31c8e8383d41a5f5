package changes_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/changes"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func TestPanelListsChangesBeforeImpactWithUndoButtons(t *testing.T) {
	s := storagetest.NewSQLite(t)
	ctx := t.Context()
	impact := t0
	record := func(c incident.Change) incident.Change {
		c.RecordedAt = c.At
		if c.Source == "" {
			c.Source = "api"
		}
		if _, err := s.RecordChange(ctx, &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	record(incident.Change{Service: "checkout", Kind: incident.ChangeDeploy, Version: "v40", At: impact.Add(-3 * time.Hour)}) // too old
	record(incident.Change{Service: "search", Kind: incident.ChangeDeploy, Version: "v9", At: impact.Add(-time.Minute)})      // not ours
	deploy := record(incident.Change{Service: "checkout", Kind: incident.ChangeDeploy, Version: "v42", PreviousVersion: "v41",
		By: "<@U999> *ana*", At: impact.Add(-12 * time.Minute), Link: "https://ci.example/1"})
	flag := record(incident.Change{Service: "checkout", Kind: incident.ChangeFlag, Flag: "new-checkout", Value: "on",
		By: "bo", At: impact.Add(-25 * time.Minute)})
	inc := &incident.Incident{Key: "INC-3", Services: []string{"checkout"}, ImpactStartedAt: impact}
	p := changes.NewPanel(changes.PanelOptions{Undo: func(_ *incident.Incident, c incident.Change) []bot.Button {
		if c.ID == deploy.ID {
			return []bot.Button{{Label: "Roll back to v41", Command: fmt.Sprintf("undo-change %d rollback", c.ID)}}
		}
		return nil
	}})
	blocks, err := p.Panel(ctx, s, inc, impact.Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, b := range blocks {
		switch b.Kind {
		case bot.BlockButtons:
			for _, bt := range b.Buttons {
				lines = append(lines, "["+bt.Label+" → "+bt.Command+"]")
			}
		default:
			lines = append(lines, b.Text.Notation())
			if len(b.Text.Mentions()) > 0 {
				t.Errorf("a change's author became a mention: %v", b.Text.Mentions())
			}
		}
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"deploy checkout v42 by",
		"12m before impact",
		fmt.Sprintf("[Roll back to v41 → undo-change %d rollback]", deploy.ID),
		"flag new-checkout on by bo, 25m before impact",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("panel does not say %q:\n%s", want, got)
		}
	}
	for _, never := range []string{"v40", "search"} {
		if strings.Contains(got, never) {
			t.Errorf("panel lists %q, outside the window or the services:\n%s", never, got)
		}
	}
	if strings.Index(got, "v42") > strings.Index(got, flag.Flag) {
		t.Errorf("not newest first:\n%s", got)
	}
	// No services, no panel.
	if bs, err := p.Panel(ctx, s, &incident.Incident{Key: "INC-4", ImpactStartedAt: impact}, impact); err != nil || len(bs) != 0 {
		t.Errorf("an incident naming no services got %v, %v", bs, err)
	}
}
