package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// A unit of work that loads an incident to change it has its drill from
// that load: GetDrill runs no statement of its own (every command's card
// asks for the drill banner). Shown by taking the drills table away
// inside the unit, after the load: a GetDrill that queried would fail.
func TestLockedLoadAnswersTheDrill(t *testing.T) {
	s := openTest(t)
	ctx := testCtx(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	declare := func(title string) *incident.Incident {
		inc, _, err := incident.Declare(now, incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, incident.Sev2, title)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		return inc
	}
	drilled, plain := declare("a drill"), declare("no drill")
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "CPLAIN"}
	if err := s.AddIncidentChannel(ctx, plain.ID, ch); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateDrill(ctx, storage.Drill{IncidentID: drilled.ID, Service: "checkout", StartedAt: now}); err != nil {
		t.Fatal(err)
	}
	undo := errors.New("undo the drop")
	err := s.InTx(ctx, func(ctx context.Context, sq storage.Querier) error {
		q := sq.(*querier)
		if _, err := q.GetIncidentForUpdate(ctx, drilled.ID); err != nil {
			return err
		}
		if _, err := q.GetIncidentByChannelForUpdate(ctx, ch); err != nil {
			return err
		}
		if _, err := q.tx.ExecContext(ctx, `DROP TABLE drills`); err != nil {
			return err
		}
		if d, err := q.GetDrill(ctx, drilled.ID); err != nil || d.Service != "checkout" || !d.StartedAt.Equal(now) {
			t.Errorf("drill of the incident loaded by ID = %+v, %v; want it from the load", d, err)
		}
		if _, err := q.GetDrill(ctx, plain.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("drill of the incident loaded by channel: %v; want not found, from the load", err)
		}
		return undo
	})
	if !errors.Is(err, undo) {
		t.Fatalf("unit of work: %v", err)
	}
	if d, err := s.GetDrill(ctx, drilled.ID); err != nil || d.Service != "checkout" {
		t.Errorf("after the unit of work: %+v, %v", d, err)
	}
}
