package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// readinessTests is the conformance suite of storage.ReadinessStore.
var readinessTests = []storeTest{
	{"FailForwardDeadlines", testFailForwardDeadlines},
	{"FailForwardDeadlinesClaimedOnce", testFailForwardDeadlinesClaimedOnce},
	{"Drills", testDrills},
	{"DrillsInUnitOfWork", testDrillsInUnitOfWork},
	{"PreflightResults", testPreflightResults},
	{"LastActionRunsLeaveDrillsOut", testLastActionRuns},
	{"ScheduledRunClaimedOnce", testScheduledRunClaimedOnce},
}

func testFailForwardDeadlines(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	d1 := storage.FailForwardDeadline{IncidentID: a.ID, EventID: 11, DecidedAt: at(time.Minute), DueAt: at(31 * time.Minute)}
	if err := s.AddFailForwardDeadline(ctx, &d1); err != nil || d1.ID <= 0 {
		t.Fatalf("add: %v (id %d)", err, d1.ID)
	}
	dup := storage.FailForwardDeadline{IncidentID: a.ID, EventID: 11, DecidedAt: at(time.Minute), DueAt: at(time.Hour)}
	isConflict(t, "a second deadline for one event", s.AddFailForwardDeadline(ctx, &dup))
	orphan := storage.FailForwardDeadline{IncidentID: a.ID + 1000, EventID: 1, DecidedAt: base, DueAt: base}
	isNotFound(t, "a deadline of no incident", s.AddFailForwardDeadline(ctx, &orphan))
	d2 := storage.FailForwardDeadline{IncidentID: a.ID, EventID: 12, DecidedAt: at(2 * time.Minute), DueAt: at(12 * time.Minute)}
	if err := s.AddFailForwardDeadline(ctx, &d2); err != nil {
		t.Fatal(err)
	}

	claim := func(now time.Time) []int64 {
		var ids []int64
		err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			got, err := q.ClaimDueFailForwardDeadlines(ctx, now, 10)
			ids = each(got, func(d storage.FailForwardDeadline) int64 { return d.ID })
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := claim(at(11 * time.Minute)); len(got) != 0 {
		t.Errorf("claimed %v before any was due", got)
	}
	if got := claim(at(40 * time.Minute)); len(got) != 2 || got[0] != d2.ID || got[1] != d1.ID {
		t.Errorf("claimed %v, want the earliest due first: [%d %d]", got, d2.ID, d1.ID)
	}
	if err := s.FireFailForwardDeadline(ctx, d2.ID, at(40*time.Minute), "asked"); err != nil {
		t.Fatal(err)
	}
	isConflict(t, "firing twice", s.FireFailForwardDeadline(ctx, d2.ID, at(41*time.Minute), "asked"))
	isNotFound(t, "firing no deadline", s.FireFailForwardDeadline(ctx, d2.ID+1000, at(41*time.Minute), "asked"))
	if got := claim(at(40 * time.Minute)); len(got) != 1 || got[0] != d1.ID {
		t.Errorf("after firing one, claimed %v, want [%d]", got, d1.ID)
	}
	list, err := s.ListFailForwardDeadlines(ctx, a.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	g := list[1]
	if g.ID != d2.ID || g.EventID != 12 || !g.DecidedAt.Equal(at(2*time.Minute)) || !g.DueAt.Equal(at(12*time.Minute)) ||
		!timePtrEq(g.FiredAt, ptr(at(40*time.Minute))) || g.Outcome != "asked" {
		t.Errorf("stored deadline %+v", g)
	}
	if list[0].FiredAt != nil || list[0].Outcome != "" {
		t.Errorf("unfired deadline %+v", list[0])
	}
}

// testFailForwardDeadlinesClaimedOnce: many sweepers, each claiming and
// firing in one transaction, handle each deadline once.
func testFailForwardDeadlinesClaimedOnce(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	const n = 6
	for i := range n {
		inc := mustCreate(t, s, newIncident("inc", base))
		d := storage.FailForwardDeadline{IncidentID: inc.ID, EventID: int64(i + 1), DecidedAt: base, DueAt: at(time.Minute)}
		if err := s.AddFailForwardDeadline(ctx, &d); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
					got, err := q.ClaimDueFailForwardDeadlines(ctx, at(2*time.Minute), 2)
					if err != nil {
						return err
					}
					for _, d := range got {
						if err := q.FireFailForwardDeadline(ctx, d.ID, at(2*time.Minute), "asked"); err != nil {
							return err
						}
						mu.Lock()
						seen[d.ID]++
						mu.Unlock()
					}
					return nil
				})
				if err != nil && !isBusy(err) {
					t.Errorf("sweep: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	checkClaimedOnce(t, n, "deadline", seen)
}

func testDrills(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("drill a", base))
	b := mustCreate(t, s, newIncident("drill b", at(time.Hour)))
	isNotFound(t, "drill of a plain incident", func() error { _, err := s.GetDrill(ctx, a.ID); return err }())
	if err := s.CreateDrill(ctx, storage.Drill{IncidentID: a.ID, Service: "checkout", Scenario: "bad deploy", StartedAt: base}); err != nil {
		t.Fatal(err)
	}
	isConflict(t, "a second drill on one incident", s.CreateDrill(ctx, storage.Drill{IncidentID: a.ID, Service: "x", StartedAt: base}))
	isNotFound(t, "a drill of no incident", s.CreateDrill(ctx, storage.Drill{IncidentID: b.ID + 1000, Service: "x", StartedAt: base}))
	if err := s.CreateDrill(ctx, storage.Drill{IncidentID: b.ID, Service: "search", StartedAt: at(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	grade, _ := json.Marshal(map[string]any{"time_to_first_action": 42, "failed_actions": []string{"rollback"}})
	if err := s.GradeDrill(ctx, a.ID, at(10*time.Minute), grade); err != nil {
		t.Fatal(err)
	}
	isNotFound(t, "grading no drill", s.GradeDrill(ctx, b.ID+1000, at(10*time.Minute), grade))
	got, err := s.GetDrill(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(got.Grade, &back); err != nil || back["time_to_first_action"] != float64(42) {
		t.Errorf("grade read back as %s (%v)", got.Grade, err)
	}
	if got.Service != "checkout" || got.Scenario != "bad deploy" || !got.StartedAt.Equal(base) || !timePtrEq(got.GradedAt, ptr(at(10*time.Minute))) {
		t.Errorf("stored drill %+v", got)
	}
	list, err := s.ListDrills(ctx)
	if err != nil || len(list) != 2 || list[0].IncidentID != b.ID || list[1].IncidentID != a.ID {
		t.Fatalf("ListDrills = %+v, %v; want newest first", list, err)
	}
	if list[0].GradedAt != nil || list[0].Grade != nil {
		t.Errorf("ungraded drill %+v", list[0])
	}
}

// testDrillsInUnitOfWork: a unit of work that loads an incident to change
// it (as every command does) reads its drill as stored, and then what it
// writes itself: a drill opened and graded in the same unit of work, on an
// incident loaded by its channel. (Stores may read the drill with the
// incident's load; this holds them to the same answers.)
func testDrillsInUnitOfWork(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	drilled := mustCreate(t, s, newIncident("a drill", base))
	plain := mustCreate(t, s, newIncident("a drill to be", base))
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "CDRILLUNIT"}
	if err := s.AddIncidentChannel(ctx, plain.ID, ch); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateDrill(ctx, storage.Drill{IncidentID: drilled.ID, Service: "checkout", Scenario: "db failover", StartedAt: base}); err != nil {
		t.Fatal(err)
	}
	grade := []byte(`{"grade":"B"}`)
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if _, err := q.GetIncidentForUpdate(ctx, drilled.ID); err != nil {
			return err
		}
		d, err := q.GetDrill(ctx, drilled.ID)
		if err != nil || d.IncidentID != drilled.ID || d.Service != "checkout" || d.Scenario != "db failover" ||
			!d.StartedAt.Equal(base) || d.GradedAt != nil || d.Grade != nil {
			t.Errorf("drill of the locked incident = %+v, %v", d, err)
		}
		inc, err := q.GetIncidentByChannelForUpdate(ctx, ch)
		if err != nil {
			return err
		}
		if inc.ID != plain.ID || len(inc.Channels) != 1 || inc.Channels[0] != ch {
			t.Errorf("incident of %s = %+v", ch, inc)
		}
		isNotFound(t, "drill of a plain incident", func() error { _, err := q.GetDrill(ctx, plain.ID); return err }())
		if err := q.CreateDrill(ctx, storage.Drill{IncidentID: plain.ID, Service: "search", StartedAt: at(time.Minute)}); err != nil {
			return err
		}
		if d, err := q.GetDrill(ctx, plain.ID); err != nil || d.Service != "search" || !d.StartedAt.Equal(at(time.Minute)) {
			t.Errorf("drill opened in the unit of work = %+v, %v", d, err)
		}
		if err := q.GradeDrill(ctx, plain.ID, at(time.Hour), grade); err != nil {
			return err
		}
		d, err = q.GetDrill(ctx, plain.ID)
		var back map[string]any
		if err != nil || !timePtrEq(d.GradedAt, ptr(at(time.Hour))) || json.Unmarshal(d.Grade, &back) != nil || back["grade"] != "B" {
			t.Errorf("drill graded in the unit of work = %+v (grade %s), %v", d, d.Grade, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := s.GetDrill(ctx, plain.ID); err != nil || d.Service != "search" || d.GradedAt == nil {
		t.Errorf("drill after the unit of work = %+v, %v", d, err)
	}
}

func testPreflightResults(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	for _, r := range []storage.PreflightResult{
		{ActionID: "rollback", Integration: "deploy", CheckedAt: base, OK: false, Detail: "401"},
		{ActionID: "kill", Integration: "flags", CheckedAt: base, OK: true},
		{ActionID: "rollback", Integration: "deploy", CheckedAt: at(time.Hour), OK: true},
	} {
		if err := s.SavePreflightResult(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListPreflightResults(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("list = %+v, %v", got, err)
	}
	if got[0].ActionID != "kill" || !got[0].OK || got[1].ActionID != "rollback" || !got[1].OK || got[1].Detail != "" ||
		!got[1].CheckedAt.Equal(at(time.Hour)) || got[1].Integration != "deploy" {
		t.Errorf("latest results %+v", got)
	}
}

func testLastActionRuns(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	real := mustCreate(t, s, newIncident("real", base))
	drill := mustCreate(t, s, newIncident("drill", base))
	if err := s.CreateDrill(ctx, storage.Drill{IncidentID: drill.ID, Service: "checkout", StartedAt: base}); err != nil {
		t.Fatal(err)
	}
	finish := func(r *storage.ActionRun, status storage.ActionRunStatus, when time.Time) {
		t.Helper()
		mustCreateRun(t, s, r)
		r.Status, r.StartedAt, r.FinishedAt, r.UpdatedAt = status, ptr(when), ptr(when), when
		if err := s.UpdateActionRun(ctx, r, storage.RunRequested); err != nil {
			t.Fatal(err)
		}
	}
	finish(newRun("r1", real, "rollback", at(time.Minute)), storage.RunSucceeded, at(2*time.Minute))
	finish(newRun("r2", real, "kill", at(time.Minute)), storage.RunFailed, at(3*time.Minute))
	finish(newRun("r3", drill, "rollback", at(time.Minute)), storage.RunSucceeded, at(9*time.Minute))
	finish(newRun("r4", drill, "kill", at(time.Minute)), storage.RunSucceeded, at(9*time.Minute))
	got, err := s.LastActionRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ActionID != "rollback" || !got[0].At.Equal(at(2*time.Minute)) {
		t.Errorf("LastActionRuns = %+v; want only rollback at +2m (failures and drills do not count)", got)
	}
}

func testScheduledRunClaimedOnce(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	var (
		mu  sync.Mutex
		won int
		wg  sync.WaitGroup
	)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ClaimScheduledRun(ctx, "preflight", base, at(24*time.Hour))
			if err != nil && !isBusy(err) {
				t.Errorf("claim: %v", err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d replicas won the first run, want 1", won)
	}
	if ok, err := s.ClaimScheduledRun(ctx, "preflight", at(time.Hour), at(25*time.Hour)); ok || err != nil {
		t.Errorf("claimed before it was due again: %v %v", ok, err)
	}
	if ok, err := s.ClaimScheduledRun(ctx, "other", at(time.Hour), at(25*time.Hour)); !ok || err != nil {
		t.Errorf("another job is its own: %v %v", ok, err)
	}
	if ok, err := s.ClaimScheduledRun(ctx, "preflight", at(24*time.Hour), at(48*time.Hour)); !ok || err != nil {
		t.Errorf("not claimed when due again: %v %v", ok, err)
	}
}

// isBusy reports an error a contended embedded store may answer a
// concurrent writer with; the suite's claims must never double up, but a
// writer may be told to try again.
func isBusy(err error) bool { return errors.Is(err, context.DeadlineExceeded) }
