package actions_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// undoActions is testActions with the rollback undoing checkout deploys.
func undoActions() []config.Action {
	acts := testActions()
	acts[0].UndoFor = &config.UndoFor{Kind: "deploy", Params: map[string]string{"version": "{{ .Change.PreviousVersion }}"}}
	return acts
}

func recordDeploy(t *testing.T, s storage.Store, at time.Time) incident.Change {
	t.Helper()
	ch := incident.Change{Service: "checkout", Kind: incident.ChangeDeploy, Version: "v42", PreviousVersion: "v40",
		By: "ana", At: at, RecordedAt: at, Source: "cli"}
	if _, err := s.RecordChange(context.Background(), &ch); err != nil {
		t.Fatal(err)
	}
	return ch
}

// The undo button of a change runs the matched action through the run's
// lifecycle with the change's params laid over the action's own, and
// links the run to the change.
func TestUndoChangeRunsTheMatchedActionWithTheChangesParams(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, undoActions())
		ch := recordDeploy(t, s, t0.Add(-12*time.Minute))
		h.declare()
		svc := actions.New(actions.Options{Catalog: h.cat, Groups: groups})
		bs := svc.UndoButtons(h.incident(), ch)
		if len(bs) != 1 || bs[0].Label != "Roll back to v40" || bs[0].Command != fmt.Sprintf("undo-change %d rollback-checkout", ch.ID) ||
			bs[0].Confirm == nil {
			t.Fatalf("undo buttons = %+v", bs)
		}
		// Someone with carol's display name but not her ID is refused.
		if r := h.click(mallory, bs[0].Command); !r.Error {
			t.Fatalf("mallory's click was not refused: %s", replyText(r))
		}
		// Typed, it asks for the confirmation the dialog would have.
		r := h.typed(alice, bs[0].Command)
		mustContain(t, "typed reply", replyText(r), "It undoes deploy checkout v42", bs[0].Command+"]")
		if len(h.runs()) != 0 {
			t.Fatal("a typed undo ran without confirmation")
		}
		if r := h.click(alice, bs[0].Command); r.Error {
			t.Fatalf("click: %s", replyText(r))
		}
		run := h.onlyRun()
		link, err := s.ChangeRunOf(context.Background(), run.ID)
		if err != nil || link.Change.ID != ch.ID || link.Params["version"] != "v40" {
			t.Fatalf("link = %+v, %v", link, err)
		}
		h.step()
		calls := h.ints["deploy"].Calls()
		if len(calls) != 1 || calls[0].Params["version"] != "v40" || calls[0].Params["service"] != "checkout" {
			t.Fatalf("calls = %+v; want version v40 from the change over the action's params", calls)
		}
		var requested incident.Event
		for _, e := range h.events() {
			if e.Kind == incident.KindActionRequested {
				requested = e
			}
		}
		if requested.Data["change"] != "deploy checkout v42" || fmt.Sprint(requested.Data["change_id"]) != fmt.Sprint(ch.ID) {
			t.Errorf("action_requested data = %v", requested.Data)
		}
		mustContain(t, "audit", h.auditSteps(), "denied:denied: not permitted", "requested:requested", "finished:succeeded")

		// "Run again" of that run undoes the same change again.
		h.clock.Advance(time.Minute)
		if r := h.click(alice, "confirm "+run.ID); r.Error {
			t.Fatalf("run again: %s", replyText(r))
		}
		rs := h.runs()
		if len(rs) != 2 {
			t.Fatalf("%d runs after run again", len(rs))
		}
		if l, err := s.ChangeRunOf(context.Background(), rs[1].ID); err != nil || l.Change.ID != ch.ID {
			t.Errorf("the second run's link = %+v, %v", l, err)
		}
	})
}

// A change no action undoes gets no button, and a hand-made button that
// pairs a change with an action that does not undo it is refused.
func TestUndoChangeRefusesAMismatch(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, undoActions())
		h.declare()
		flag := incident.Change{Service: "checkout", Kind: incident.ChangeFlag, Flag: "x", At: t0, RecordedAt: t0, Source: "api"}
		if _, err := s.RecordChange(context.Background(), &flag); err != nil {
			t.Fatal(err)
		}
		svc := actions.New(actions.Options{Catalog: h.cat, Groups: groups})
		if bs := svc.UndoButtons(h.incident(), flag); len(bs) != 0 {
			t.Errorf("buttons for a flag change no action undoes: %+v", bs)
		}
		r := h.click(alice, fmt.Sprintf("undo-change %d rollback-checkout", flag.ID))
		mustContain(t, "reply", replyText(r), "does not undo flag x")
		r = h.click(alice, "undo-change 99999 rollback-checkout")
		mustContain(t, "reply", replyText(r), "Change 99999 is no longer kept")
		if len(h.runs()) != 0 {
			t.Error("a refused undo made a run")
		}
	})
}
