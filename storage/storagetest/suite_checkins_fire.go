package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// testCheckinFireCheckin: FireCheckin records the fire and moves the
// check-in on together; a due time fired before is a conflict that writes
// nothing and leaves the transaction usable.
func testCheckinFireCheckin(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("fire", base))
	c := mustCreateCheckin(t, s, newCheckin(inc, storage.CheckinImpact, at(10*time.Minute)))
	fired := *c
	fired.NextDueAt, fired.Unanswered, fired.Escalation, fired.Fired = at(20*time.Minute), 1, 1, 1
	fired.Spec, fired.UpdatedAt = "@every 5m", at(10*time.Minute+time.Second)
	f := &storage.CheckinFire{IncidentID: inc.ID, Seq: 1, DueAt: at(10 * time.Minute),
		FiredAt: at(10*time.Minute + time.Second), Late: true, Escalation: 1}
	if err := s.FireCheckin(ctx, &fired, f); err != nil {
		t.Fatalf("FireCheckin: %v", err)
	}
	if f.ID <= 0 || f.Status != storage.FireOpen || f.CheckinID != c.ID || fired.OpenFireID != f.ID {
		t.Fatalf("FireCheckin set fire %+v, check-in's open fire %d", f, fired.OpenFireID)
	}
	got, err := s.GetCheckinFire(ctx, f.ID)
	if err != nil || got.CheckinID != c.ID || got.IncidentID != inc.ID || got.Seq != 1 || !got.DueAt.Equal(f.DueAt) ||
		!got.FiredAt.Equal(f.FiredAt) || !got.Late || got.Escalation != 1 || got.Status != storage.FireOpen {
		t.Fatalf("the fire recorded = %+v, %v", got, err)
	}
	saved, err := s.GetCheckin(ctx, c.Key)
	if err != nil {
		t.Fatal(err)
	}
	checkCheckin(t, fired, saved)

	// Fired already for that due time (another replica): nothing written,
	// and inside a transaction the transaction goes on.
	again := saved
	again.NextDueAt, again.Fired, again.UpdatedAt = at(time.Hour), 9, at(time.Hour)
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		isConflict(t, "FireCheckin for a due time fired before", q.FireCheckin(ctx, &again,
			&storage.CheckinFire{IncidentID: inc.ID, Seq: 2, DueAt: at(10 * time.Minute), FiredAt: at(time.Hour)}))
		moved := saved
		moved.NextDueAt = at(30 * time.Minute)
		return q.UpdateCheckin(ctx, &moved)
	})
	if err != nil {
		t.Fatalf("a transaction after the conflict: %v", err)
	}
	saved.NextDueAt = at(30 * time.Minute)
	now, err := s.GetCheckin(ctx, c.Key)
	if err != nil {
		t.Fatal(err)
	}
	checkCheckin(t, saved, now)
	if list, err := s.ListCheckinFires(ctx, c.ID); err != nil || len(list) != 1 {
		t.Fatalf("fires after the conflict = %+v, %v", list, err)
	}

	missing := storage.Checkin{ID: 99999, Key: "missing", Kind: storage.CheckinImpact, Spec: "@every 1m", Active: true,
		NextDueAt: at(time.Hour), UpdatedAt: at(time.Hour)}
	err = s.FireCheckin(ctx, &missing, &storage.CheckinFire{Seq: 1, DueAt: at(time.Hour), FiredAt: at(time.Hour)})
	isNotFound(t, "FireCheckin of a missing check-in", err)
}

// testCheckinSupersedeFire: SupersedeCheckinFire supersedes an open fire
// once, and leaves any other as it is, saying so.
func testCheckinSupersedeFire(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("supersede", base))
	c := mustCreateCheckin(t, s, newCheckin(inc, storage.CheckinImpact, at(10*time.Minute)))
	record := func(due time.Duration) storage.CheckinFire {
		f := storage.CheckinFire{CheckinID: c.ID, IncidentID: inc.ID, Seq: int(due / time.Minute), DueAt: at(due), FiredAt: at(due)}
		if err := s.RecordCheckinFire(ctx, &f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	open, answered := record(10*time.Minute), record(20*time.Minute)
	if err := s.FinishCheckinFire(ctx, answered.ID, storage.FireOutcome{Status: storage.FireAnswered, Answer: "yes",
		By: incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}, At: at(25 * time.Minute)}); err != nil {
		t.Fatal(err)
	}

	f, ok, err := s.SupersedeCheckinFire(ctx, open.ID, at(30*time.Minute))
	if err != nil || !ok || f.ID != open.ID || f.Status != storage.FireSuperseded || f.Seq != open.Seq ||
		f.ClosedAt == nil || !f.ClosedAt.Equal(at(30*time.Minute)) || f.Answer != "" {
		t.Fatalf("SupersedeCheckinFire of an open fire = %+v, %v, %v", f, ok, err)
	}
	if got, err := s.GetCheckinFire(ctx, open.ID); err != nil || got.Status != storage.FireSuperseded || got.ClosedAt == nil {
		t.Fatalf("the superseded fire = %+v, %v", got, err)
	}
	// Superseded already: nothing changes (its closing time stays).
	f, ok, err = s.SupersedeCheckinFire(ctx, open.ID, at(40*time.Minute))
	if err != nil || ok || f.Status != storage.FireSuperseded || !f.ClosedAt.Equal(at(30*time.Minute)) {
		t.Fatalf("SupersedeCheckinFire of a superseded fire = %+v, %v, %v", f, ok, err)
	}
	// Answered: it stays answered.
	f, ok, err = s.SupersedeCheckinFire(ctx, answered.ID, at(40*time.Minute))
	if err != nil || ok || f.Status != storage.FireAnswered || f.Answer != "yes" {
		t.Fatalf("SupersedeCheckinFire of an answered fire = %+v, %v, %v", f, ok, err)
	}
	// In a transaction, as the sweep calls it.
	next := record(50 * time.Minute)
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		_, ok, err := q.SupersedeCheckinFire(ctx, next.ID, at(time.Hour))
		if err == nil && !ok {
			t.Error("SupersedeCheckinFire in a transaction did not supersede an open fire")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SupersedeCheckinFire(ctx, 99999, at(time.Hour))
	isNotFound(t, "SupersedeCheckinFire of a missing fire", err)
}
