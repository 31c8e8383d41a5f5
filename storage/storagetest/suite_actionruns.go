package storagetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// actionRunTests is the conformance suite of storage.ActionRunStore.
var actionRunTests = []storeTest{
	{"RoundTrip", testRunRoundTrip},
	{"OneActivePerAction", testRunOneActive},
	{"ConflictKeepsTransaction", testRunConflictKeepsTx},
	{"ConcurrentClaims", testRunConcurrentClaims},
	{"Update", testRunUpdate},
	{"ClaimRequested", testRunClaimRequested},
	{"ClaimExpired", testRunClaimExpired},
	{"ConcurrentRunners", testRunConcurrentRunners},
	{"ClaimSkipsLockedIncident", testRunClaimSkipsLocked},
}

func newRun(id string, inc *incident.Incident, action string, requested time.Time) *storage.ActionRun {
	return &storage.ActionRun{ID: id, IncidentID: inc.ID, ActionID: action, Title: "Roll back " + action,
		Kind: "rollback", Integration: "deploy", Status: storage.RunRequested, Source: incident.SourceButton,
		RequestedBy: alice, RequestedAt: requested, UpdatedAt: requested}
}

func mustCreateRun(t *testing.T, q storage.Querier, r *storage.ActionRun) *storage.ActionRun {
	t.Helper()
	if err := q.CreateActionRun(ctxFor(t), r); err != nil {
		t.Fatalf("CreateActionRun(%s): %v", r.ID, err)
	}
	return r
}

// runIDs are the IDs of rs, in order.
func runIDs(rs []storage.ActionRun) []string {
	return each(rs, func(r storage.ActionRun) string { return r.ID })
}

func testRunRoundTrip(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("round trip", base))
	full := &storage.ActionRun{
		ID: "0190a3b4-0000-7000-8000-000000000001", IncidentID: inc.ID, ActionID: "kill-new-checkout",
		Title: "Kill switch: new checkout", Kind: "kill-switch", Integration: "flags", Undo: true,
		Status: storage.RunSucceeded, Source: incident.SourceTyped,
		RequestedBy: alice, RequestedAt: at(time.Second + 250*time.Microsecond),
		ApprovedBy: bob, ApprovedAt: ptr(at(2 * time.Second)),
		StartedAt: ptr(at(3 * time.Second)), LeaseUntil: ptr(at(time.Minute)), FinishedAt: ptr(at(4 * time.Second)),
		VerifiedBy: carol, VerifiedAt: ptr(at(5 * time.Second)), CancelledBy: bob,
		Summary: "flag new-checkout turned off", URL: "https://flags.example/new-checkout", Error: "an error",
		Output: "line 1\nline 2 ✓", AgainOf: "0190a3b4-0000-7000-8000-000000000000", UpdatedAt: at(6 * time.Second),
	}
	mustCreateRun(t, s, full)
	got, err := s.GetActionRun(ctx, full.ID)
	if err != nil {
		t.Fatalf("GetActionRun: %v", err)
	}
	if !reflect.DeepEqual(got, *full) {
		t.Errorf("GetActionRun =\n%+v\nwant\n%+v", got, *full)
	}
	bare := mustCreateRun(t, s, newRun("r-bare", inc, "rollback", at(7*time.Second)))
	got, err = s.GetActionRun(ctx, bare.ID)
	if err != nil {
		t.Fatalf("GetActionRun(bare): %v", err)
	}
	if got.ApprovedAt != nil || got.StartedAt != nil || got.LeaseUntil != nil || got.FinishedAt != nil ||
		got.VerifiedAt != nil || !got.ApprovedBy.IsZero() || got.Summary != "" || got.Undo {
		t.Errorf("a bare run came back with fields set: %+v", got)
	}
	if _, err := s.GetActionRun(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetActionRun(nope) = %v, want ErrNotFound", err)
	}
	if err := s.CreateActionRun(ctx, newRun("r-orphan", &incident.Incident{ID: inc.ID + 1000}, "x", base)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("CreateActionRun on a missing incident = %v, want ErrNotFound", err)
	}
	list, err := s.ListActionRuns(ctx, inc.ID)
	if err != nil || fmt.Sprint(runIDs(list)) != fmt.Sprint([]string{full.ID, bare.ID}) {
		t.Errorf("ListActionRuns = %v, %v; want both, oldest first", runIDs(list), err)
	}
}

func testRunOneActive(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	b := mustCreate(t, s, newIncident("b", base))
	first := mustCreateRun(t, s, newRun("r1", a, "rollback", at(time.Second)))
	for _, st := range []storage.ActionRunStatus{storage.RunRequested, storage.RunAwaitingApproval, storage.RunRunning} {
		first.Status = st
		if err := s.UpdateActionRun(ctx, first, storage.ActiveRunStatuses...); err != nil {
			t.Fatalf("UpdateActionRun to %s: %v", st, err)
		}
		err := s.CreateActionRun(ctx, newRun("r2-"+string(st), a, "rollback", at(2*time.Second)))
		if !errors.Is(err, storage.ErrConflict) {
			t.Errorf("a second run while the first is %s: %v, want ErrConflict", st, err)
		}
	}
	// Other actions and other incidents are not in the way.
	mustCreateRun(t, s, newRun("r-other-action", a, "kill-switch", at(2*time.Second)))
	mustCreateRun(t, s, newRun("r-other-incident", b, "rollback", at(2*time.Second)))
	// The same ID twice is refused as well.
	if err := s.CreateActionRun(ctx, newRun("r1", b, "third", at(2*time.Second))); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("a run with an existing ID: %v, want ErrConflict", err)
	}

	act, err := s.ActiveActionRun(ctx, a.ID, "rollback")
	if err != nil || act.ID != "r1" || act.Status != storage.RunRunning {
		t.Fatalf("ActiveActionRun = %s %s, %v; want r1 running", act.ID, act.Status, err)
	}
	for _, end := range []storage.ActionRunStatus{storage.RunSucceeded, storage.RunFailed, storage.RunUnknown, storage.RunCancelled} {
		first.Status = end
		first.FinishedAt = ptr(at(3 * time.Second))
		if err := s.UpdateActionRun(ctx, first, storage.RunRunning, end); err != nil {
			t.Fatalf("UpdateActionRun to %s: %v", end, err)
		}
		if _, err := s.ActiveActionRun(ctx, a.ID, "rollback"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("ActiveActionRun after %s = %v, want ErrNotFound", end, err)
		}
		first.Status = storage.RunRunning
		if err := s.UpdateActionRun(ctx, first, end); err != nil {
			t.Fatalf("back to running: %v", err)
		}
	}
	first.Status = storage.RunSucceeded
	if err := s.UpdateActionRun(ctx, first, storage.RunRunning); err != nil {
		t.Fatal(err)
	}
	again := mustCreateRun(t, s, newRun("r3", a, "rollback", at(4*time.Second)))
	latest, err := s.LatestActionRun(ctx, a.ID, "rollback")
	if err != nil || latest.ID != again.ID {
		t.Errorf("LatestActionRun = %s, %v; want r3", latest.ID, err)
	}
	if _, err := s.LatestActionRun(ctx, b.ID, "kill-switch"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("LatestActionRun of an action never run = %v, want ErrNotFound", err)
	}
}

// testRunConflictKeepsTx: a refused claim does not abort the transaction
// it happens in, so a command can explain who holds the run.
func testRunConflictKeepsTx(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("tx", base))
	mustCreateRun(t, s, newRun("r1", inc, "rollback", at(time.Second)))
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.CreateActionRun(ctx, newRun("r2", inc, "rollback", at(2*time.Second))); !errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("second claim: %v, want ErrConflict", err)
		}
		held, err := q.ActiveActionRun(ctx, inc.ID, "rollback")
		if err != nil || held.ID != "r1" {
			return fmt.Errorf("after the conflict, ActiveActionRun = %s, %v", held.ID, err)
		}
		_, err = q.AppendAudit(ctx, storage.AuditEntry{At: at(2 * time.Second), IncidentID: inc.ID, Actor: bob,
			Action: "action.run", Subject: "rollback", Step: "requested", Outcome: "already running"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	audit, err := s.ListAudit(ctx, storage.AuditFilter{IncidentID: inc.ID})
	if err != nil || len(audit) != 1 {
		t.Fatalf("audit after the transaction = %v, %v; want the row it wrote", audit, err)
	}
}

// testRunConcurrentClaims: concurrent transactions claiming the same
// (incident, action): exactly one wins, every other gets ErrConflict.
func testRunConcurrentClaims(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("race", base))
	const n = 8
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
				return q.CreateActionRun(ctx, newRun(fmt.Sprintf("race-%d", i), inc, "rollback", at(time.Second)))
			})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, storage.ErrConflict):
			t.Errorf("claim %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent claims won, want exactly 1", won, n)
	}
	runs, err := s.ListActionRuns(ctx, inc.ID)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs stored: %v, %v; want 1", runIDs(runs), err)
	}
}

func testRunUpdate(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("update", base))
	r := mustCreateRun(t, s, newRun("r1", inc, "rollback", at(time.Second)))
	r.Status, r.StartedAt, r.LeaseUntil, r.UpdatedAt = storage.RunRunning, ptr(at(2*time.Second)), ptr(at(time.Minute)), at(2*time.Second)
	if err := s.UpdateActionRun(ctx, r, storage.RunRequested); err != nil {
		t.Fatalf("requested → running: %v", err)
	}
	stale := *r
	stale.Status = storage.RunCancelled
	if err := s.UpdateActionRun(ctx, &stale, storage.RunRequested, storage.RunAwaitingApproval); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("cancelling a running run as if requested: %v, want ErrConflict", err)
	}
	r.Status, r.FinishedAt, r.Summary, r.URL, r.Output = storage.RunSucceeded, ptr(at(3*time.Second)), "done", "https://x", "out"
	if err := s.UpdateActionRun(ctx, r, storage.RunRunning); err != nil {
		t.Fatalf("running → succeeded: %v", err)
	}
	got, err := s.GetActionRun(ctx, r.ID)
	if err != nil || !reflect.DeepEqual(got, *r) {
		t.Errorf("after updates GetActionRun =\n%+v, %v\nwant\n%+v", got, err, *r)
	}
	missing := newRun("nope", inc, "x", base)
	if err := s.UpdateActionRun(ctx, missing, storage.RunRequested); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdateActionRun(missing) = %v, want ErrNotFound", err)
	}
}

func testRunClaimRequested(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("claim", base))
	mustCreateRun(t, s, newRun("late", inc, "a", at(3*time.Second)))
	mustCreateRun(t, s, newRun("early", inc, "b", at(time.Second)))
	mustCreateRun(t, s, newRun("middle", inc, "c", at(2*time.Second)))
	waiting := newRun("waiting", inc, "d", at(0))
	waiting.Status = storage.RunAwaitingApproval
	mustCreateRun(t, s, waiting)
	running := newRun("running", inc, "e", at(0))
	running.Status, running.LeaseUntil = storage.RunRunning, ptr(at(0))
	mustCreateRun(t, s, running)

	var got []storage.ActionRun
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		var err error
		got, err = q.ClaimRequestedActionRuns(ctx, 2)
		return err
	})
	if err != nil || fmt.Sprint(runIDs(got)) != "[early middle]" {
		t.Errorf("ClaimRequestedActionRuns(2) = %v, %v; want [early middle]", runIDs(got), err)
	}
	if got, err := s.ClaimRequestedActionRuns(ctx, 0); err != nil || len(got) != 0 {
		t.Errorf("ClaimRequestedActionRuns(0) = %v, %v; want none", runIDs(got), err)
	}
}

func testRunClaimExpired(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("expired", base))
	for i, lease := range []time.Duration{time.Minute, 3 * time.Minute, 2 * time.Minute} {
		r := newRun(fmt.Sprintf("run-%d", i), inc, fmt.Sprintf("a%d", i), base)
		r.Status, r.StartedAt, r.LeaseUntil = storage.RunRunning, ptr(base), ptr(at(lease))
		mustCreateRun(t, s, r)
	}
	mustCreateRun(t, s, newRun("requested", inc, "z", base))
	var got []storage.ActionRun
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		var err error
		got, err = q.ClaimExpiredActionRuns(ctx, at(2*time.Minute), 10)
		return err
	})
	if err != nil || fmt.Sprint(runIDs(got)) != "[run-0 run-2]" {
		t.Errorf("ClaimExpiredActionRuns(+2m) = %v, %v; want [run-0 run-2] (leases ended at or before now)", runIDs(got), err)
	}
}

// testRunConcurrentRunners: runners on several replicas claim requested
// runs and mark them running in one transaction; each run is claimed once.
func testRunConcurrentRunners(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	const n, workers = 30, 4
	for i := range n {
		inc := mustCreate(t, s, newIncident(fmt.Sprintf("inc %d", i), base))
		mustCreateRun(t, s, newRun(fmt.Sprintf("run-%02d", i), inc, "rollback", at(time.Duration(i)*time.Second)))
	}
	claimConcurrently(t, workers, n, "run", func() ([]string, error) {
		var got []storage.ActionRun
		err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			var err error
			if got, err = q.ClaimRequestedActionRuns(ctx, 2); err != nil {
				return err
			}
			for i := range got {
				got[i].Status, got[i].StartedAt, got[i].LeaseUntil = storage.RunRunning, ptr(at(time.Hour)), ptr(at(2*time.Hour))
				if err := q.UpdateActionRun(ctx, &got[i], storage.RunRequested); err != nil {
					return err
				}
			}
			return nil
		})
		return runIDs(got), err
	})
}

// testRunClaimSkipsLocked: a runner does not wait for, nor take, a run
// whose incident a command holds.
func testRunClaimSkipsLocked(t *testing.T, s storage.Store) {
	busy := mustCreate(t, s, newIncident("busy", base))
	free := mustCreate(t, s, newIncident("free", base))
	mustCreateRun(t, s, newRun("busy-run", busy, "rollback", at(time.Second)))
	mustCreateRun(t, s, newRun("free-run", free, "rollback", at(2*time.Second)))

	var got []storage.ActionRun
	claimWhileHeld(t, s, func(ctx context.Context, q storage.Querier) error {
		if _, err := q.GetIncidentForUpdate(ctx, busy.ID); err != nil {
			return err
		}
		r, err := q.GetActionRun(ctx, "busy-run")
		if err != nil {
			return err
		}
		r.Status, r.CancelledBy = storage.RunCancelled, bob
		return q.UpdateActionRun(ctx, &r, storage.RunRequested)
	}, func(ctx context.Context, q storage.Querier) error {
		var err error
		got, err = q.ClaimRequestedActionRuns(ctx, 10)
		return err
	})
	if fmt.Sprint(runIDs(got)) != "[free-run]" {
		t.Fatalf("claimed %v while busy-run's incident was held and the run cancelled; want [free-run]", runIDs(got))
	}
}
