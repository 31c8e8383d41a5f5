package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// checkinTests is the conformance suite of storage.CheckinStore.
var checkinTests = []storeTest{
	{"RoundTrip", testCheckinRoundTrip},
	{"ClaimDue", testCheckinClaimDue},
	{"ClaimDueByKey", testCheckinClaimByKey},
	{"Fires", testCheckinFires},
	{"FireTransitions", testCheckinFireTransitions},
	{"ConcurrentSweepers", testCheckinConcurrentSweepers},
	{"ClaimSkipsLockedIncident", testCheckinClaimSkipsLocked},
	{"ClaimRollsBack", testCheckinClaimRollsBack},
	{"FireCheckin", testCheckinFireCheckin},
	{"SupersedeFire", testCheckinSupersedeFire},
	{"ResetCounts", testCheckinResetCounts},
}

func newCheckin(inc *incident.Incident, kind storage.CheckinKind, due time.Time) *storage.Checkin {
	c := &storage.Checkin{Key: string(kind), Kind: kind, Spec: "@every 10m", Active: true, NextDueAt: due, UpdatedAt: base}
	if inc != nil {
		c.IncidentID = inc.ID
		c.Key = inc.Key + "/" + string(kind)
	}
	return c
}

func mustCreateCheckin(t *testing.T, q storage.Querier, c *storage.Checkin) *storage.Checkin {
	t.Helper()
	if err := q.CreateCheckin(ctxFor(t), c); err != nil {
		t.Fatalf("CreateCheckin(%s): %v", c.Key, err)
	}
	if c.ID <= 0 {
		t.Fatalf("CreateCheckin(%s) set ID %d", c.Key, c.ID)
	}
	return c
}

func checkCheckin(t *testing.T, want storage.Checkin, got storage.Checkin) {
	t.Helper()
	if got.ID != want.ID || got.Key != want.Key || got.Kind != want.Kind || got.IncidentID != want.IncidentID ||
		got.Spec != want.Spec || got.Active != want.Active || !got.NextDueAt.Equal(want.NextDueAt) ||
		got.Unanswered != want.Unanswered || got.Escalation != want.Escalation || got.Fired != want.Fired ||
		got.OpenFireID != want.OpenFireID || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("check-in:\n got %+v\nwant %+v", got, want)
	}
	if got.NextDueAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC {
		t.Fatalf("check-in times are not UTC: %v %v", got.NextDueAt.Location(), got.UpdatedAt.Location())
	}
}

// keys are the keys of cs, in order.
func keys(cs []storage.Checkin) []string {
	return each(cs, func(c storage.Checkin) string { return c.Key })
}

func testCheckinRoundTrip(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("checkout errors", base))
	cet := time.FixedZone("CET", 3600)
	c := mustCreateCheckin(t, s, newCheckin(inc, storage.CheckinImpact, at(10*time.Minute+123*time.Microsecond).In(cet)))
	got, err := s.GetCheckin(ctx, inc.Key+"/impact")
	if err != nil {
		t.Fatalf("GetCheckin: %v", err)
	}
	checkCheckin(t, *c, got)

	dup := newCheckin(inc, storage.CheckinImpact, at(time.Hour))
	isConflict(t, "CreateCheckin with a key that exists", s.CreateCheckin(ctx, dup))

	c.Spec, c.Active, c.NextDueAt = "@every 5m", false, at(2*time.Hour)
	c.Unanswered, c.Escalation, c.Fired, c.OpenFireID, c.UpdatedAt = 3, 1, 7, 42, at(time.Minute)
	if err := s.UpdateCheckin(ctx, c); err != nil {
		t.Fatalf("UpdateCheckin: %v", err)
	}
	got, err = s.GetCheckin(ctx, c.Key)
	if err != nil {
		t.Fatal(err)
	}
	checkCheckin(t, *c, got)

	diag := mustCreateCheckin(t, s, newCheckin(inc, storage.CheckinDiagnosis, at(time.Hour)))
	other := mustCreate(t, s, newIncident("other", base))
	mustCreateCheckin(t, s, newCheckin(other, storage.CheckinImpact, at(time.Hour)))
	list, err := s.ListCheckins(ctx, inc.ID)
	if err != nil {
		t.Fatalf("ListCheckins: %v", err)
	}
	if len(list) != 2 || list[0].ID != c.ID || list[1].ID != diag.ID {
		t.Fatalf("ListCheckins = %v, want the impact then the diagnosis check-in of %s", keys(list), inc.Key)
	}
	if list, err := s.ListCheckins(ctx, 99999); err != nil || len(list) != 0 {
		t.Fatalf("ListCheckins of no incident = %v, %v; want none", keys(list), err)
	}

	// A check-in of no incident (the digest).
	dg := mustCreateCheckin(t, s, newCheckin(nil, storage.CheckinDigest, at(time.Hour)))
	got, err = s.GetCheckin(ctx, "digest")
	if err != nil {
		t.Fatal(err)
	}
	checkCheckin(t, *dg, got)

	_, err = s.NextCheckinDue(ctx)
	if err != nil {
		t.Fatalf("NextCheckinDue: %v", err)
	}
	_, err = s.GetCheckin(ctx, "INC-999/impact")
	isNotFound(t, "GetCheckin of a missing key", err)
	isNotFound(t, "UpdateCheckin of a missing check-in", s.UpdateCheckin(ctx, &storage.Checkin{ID: 99999, NextDueAt: base, UpdatedAt: base}))
	ghost := &storage.Checkin{Key: "INC-999/impact", Kind: storage.CheckinImpact, IncidentID: 999, Active: true, NextDueAt: base, UpdatedAt: base}
	isNotFound(t, "CreateCheckin for a missing incident", s.CreateCheckin(ctx, ghost))
}

// claimAll claims in one transaction and commits.
func claimAll(t *testing.T, s storage.Store, now time.Time, limit int) []storage.Checkin {
	t.Helper()
	var out []storage.Checkin
	err := s.InTx(ctxFor(t), func(ctx context.Context, q storage.Querier) error {
		var err error
		out, err = q.ClaimDueCheckins(ctx, now, limit)
		return err
	})
	if err != nil {
		t.Fatalf("ClaimDueCheckins: %v", err)
	}
	return out
}

func testCheckinClaimDue(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mk := func(title string) *incident.Incident { return mustCreate(t, s, newIncident(title, base)) }
	a, b, c, d, e := mk("a"), mk("b"), mk("c"), mk("d"), mk("e")
	mustCreateCheckin(t, s, newCheckin(a, storage.CheckinImpact, at(5*time.Minute)))
	mustCreateCheckin(t, s, newCheckin(b, storage.CheckinImpact, at(3*time.Minute)))
	mustCreateCheckin(t, s, newCheckin(c, storage.CheckinDiagnosis, at(10*time.Minute))) // due exactly at now
	mustCreateCheckin(t, s, newCheckin(d, storage.CheckinImpact, at(11*time.Minute)))    // not yet due
	stopped := newCheckin(e, storage.CheckinImpact, at(time.Minute))
	stopped.Active = false
	mustCreateCheckin(t, s, stopped)
	// A resolved incident's check-in never fires, even if left active.
	r := mk("resolved")
	mustCreateCheckin(t, s, newCheckin(r, storage.CheckinImpact, at(time.Minute)))
	r.State, r.ResolvedAt = incident.StateResolved, ptr(at(2*time.Minute))
	if err := s.UpdateIncident(ctx, r); err != nil {
		t.Fatal(err)
	}
	// Nor does a check-in of no incident: it is claimed by key.
	mustCreateCheckin(t, s, newCheckin(nil, storage.CheckinDigest, at(time.Minute)))

	if due, err := s.NextCheckinDue(ctx); err != nil || !due.Equal(at(time.Minute)) {
		t.Fatalf("NextCheckinDue = %v, %v; want the earliest claimable due time %v (the digest's)", due, err, at(time.Minute))
	}
	now := at(10 * time.Minute)
	got := claimAll(t, s, now, 10)
	want := []string{b.Key + "/impact", a.Key + "/impact", c.Key + "/diagnosis"}
	if fmt.Sprint(keys(got)) != fmt.Sprint(want) {
		t.Fatalf("ClaimDueCheckins = %v, want %v (due, active, open incidents, earliest first)", keys(got), want)
	}
	if got := claimAll(t, s, now, 2); fmt.Sprint(keys(got)) != fmt.Sprint(want[:2]) {
		t.Fatalf("ClaimDueCheckins limit 2 = %v, want %v", keys(got), want[:2])
	}
	if got := claimAll(t, s, now, 0); len(got) != 0 {
		t.Fatalf("ClaimDueCheckins limit 0 = %v", keys(got))
	}
	if got := claimAll(t, s, at(time.Minute-time.Microsecond), 10); len(got) != 0 {
		t.Fatalf("nothing is due before the first due time, got %v", keys(got))
	}
	// Without the digest, the earliest claimable one is b's: the resolved
	// incident's check-in, left active, would never be claimed.
	dg, err := s.GetCheckin(ctx, "digest")
	if err != nil {
		t.Fatal(err)
	}
	dg.Active = false
	if err := s.UpdateCheckin(ctx, &dg); err != nil {
		t.Fatal(err)
	}
	if due, err := s.NextCheckinDue(ctx); err != nil || !due.Equal(at(3*time.Minute)) {
		t.Fatalf("NextCheckinDue = %v, %v; want %v, ignoring the resolved incident's", due, err, at(3*time.Minute))
	}
}

func testCheckinClaimByKey(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	_, err := s.NextCheckinDue(ctx)
	isNotFound(t, "NextCheckinDue with no check-in", err)
	mustCreateCheckin(t, s, newCheckin(nil, storage.CheckinDigest, at(time.Hour)))
	claimKey := func(key string, now time.Time) (storage.Checkin, error) {
		var c storage.Checkin
		err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			var err error
			c, err = q.ClaimDueCheckin(ctx, key, now)
			return err
		})
		return c, err
	}
	claim := func(now time.Time) (storage.Checkin, error) { return claimKey("digest", now) }
	_, err = claim(at(59 * time.Minute))
	isNotFound(t, "ClaimDueCheckin before its due time", err)
	c, err := claim(at(time.Hour))
	if err != nil || c.Key != "digest" || c.IncidentID != 0 {
		t.Fatalf("ClaimDueCheckin when due = %+v, %v", c, err)
	}
	c.Active = false
	if err := s.UpdateCheckin(ctx, &c); err != nil {
		t.Fatal(err)
	}
	_, err = claim(at(2 * time.Hour))
	isNotFound(t, "ClaimDueCheckin of a stopped check-in", err)
	_, err = claimKey("nothing", at(2*time.Hour))
	isNotFound(t, "ClaimDueCheckin of a missing key", err)
}

func testCheckinFires(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("fires", base))
	c := mustCreateCheckin(t, s, newCheckin(inc, storage.CheckinImpact, at(10*time.Minute)))
	f1 := &storage.CheckinFire{CheckinID: c.ID, IncidentID: inc.ID, Seq: 1, DueAt: at(10 * time.Minute),
		FiredAt: at(10*time.Minute + 250*time.Millisecond), Escalation: 0}
	if err := s.RecordCheckinFire(ctx, f1); err != nil {
		t.Fatalf("RecordCheckinFire: %v", err)
	}
	if f1.ID <= 0 || f1.Status != storage.FireOpen {
		t.Fatalf("RecordCheckinFire set ID %d status %q", f1.ID, f1.Status)
	}
	// The same due time again: another replica got there first. Inside a
	// transaction the conflict is reported and the transaction stays usable.
	again := &storage.CheckinFire{CheckinID: c.ID, IncidentID: inc.ID, Seq: 1, DueAt: at(10 * time.Minute), FiredAt: at(11 * time.Minute)}
	isConflict(t, "RecordCheckinFire for a due time fired before", s.RecordCheckinFire(ctx, again))
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		isConflict(t, "RecordCheckinFire again, in a transaction", q.RecordCheckinFire(ctx, again))
		isConflict(t, "CreateCheckin of an existing key, in a transaction", q.CreateCheckin(ctx, newCheckin(inc, storage.CheckinImpact, at(time.Hour))))
		c.Spec = "@every 1m"
		return q.UpdateCheckin(ctx, c)
	})
	if err != nil {
		t.Fatalf("a transaction after conflicts: %v", err)
	}
	if got, err := s.GetCheckin(ctx, c.Key); err != nil || got.Spec != "@every 1m" {
		t.Fatalf("the transaction after conflicts did not commit: %+v %v", got, err)
	}

	f2 := &storage.CheckinFire{CheckinID: c.ID, IncidentID: inc.ID, Seq: 2, DueAt: at(20 * time.Minute),
		FiredAt: at(3 * time.Hour), Late: true, Escalation: 2}
	if err := s.RecordCheckinFire(ctx, f2); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCheckinFire(ctx, f2.ID)
	if err != nil {
		t.Fatalf("GetCheckinFire: %v", err)
	}
	if got.CheckinID != c.ID || got.IncidentID != inc.ID || got.Seq != 2 || !got.DueAt.Equal(f2.DueAt) ||
		!got.FiredAt.Equal(f2.FiredAt) || !got.Late || got.Escalation != 2 || got.Status != storage.FireOpen ||
		got.Answer != "" || !got.AnsweredBy.IsZero() || got.AnsweredAt != nil || got.ClosedAt != nil {
		t.Fatalf("GetCheckinFire = %+v", got)
	}
	if got.DueAt.Location() != time.UTC {
		t.Fatal("fire times are not UTC")
	}
	list, err := s.ListCheckinFires(ctx, c.ID)
	if err != nil || len(list) != 2 || list[0].ID != f1.ID || list[1].ID != f2.ID {
		t.Fatalf("ListCheckinFires = %+v, %v", list, err)
	}
	if list, err := s.ListCheckinFires(ctx, 99999); err != nil || len(list) != 0 {
		t.Fatalf("ListCheckinFires of no check-in = %+v, %v", list, err)
	}
	_, err = s.GetCheckinFire(ctx, 99999)
	isNotFound(t, "GetCheckinFire of a missing fire", err)

	// A fire of no incident.
	dg := mustCreateCheckin(t, s, newCheckin(nil, storage.CheckinDigest, at(time.Hour)))
	fd := &storage.CheckinFire{CheckinID: dg.ID, Seq: 1, DueAt: at(time.Hour), FiredAt: at(time.Hour)}
	if err := s.RecordCheckinFire(ctx, fd); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetCheckinFire(ctx, fd.ID); err != nil || got.IncidentID != 0 {
		t.Fatalf("digest fire = %+v, %v", got, err)
	}
}

func testCheckinFireTransitions(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("transitions", base))
	c := mustCreateCheckin(t, s, newCheckin(inc, storage.CheckinImpact, at(10*time.Minute)))
	n := 0
	fire := func() storage.CheckinFire {
		n++
		f := &storage.CheckinFire{CheckinID: c.ID, IncidentID: inc.ID, Seq: n, DueAt: at(time.Duration(n) * time.Minute), FiredAt: at(time.Duration(n) * time.Minute)}
		if err := s.RecordCheckinFire(ctx, f); err != nil {
			t.Fatal(err)
		}
		return *f
	}
	get := func(id int64) storage.CheckinFire {
		f, err := s.GetCheckinFire(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	answered := storage.FireOutcome{Status: storage.FireAnswered, Answer: "partial", By: alice, At: at(time.Hour)}

	// open → superseded → answered: an answer to an older message still counts.
	f := fire()
	if err := s.FinishCheckinFire(ctx, f.ID, storage.FireOutcome{Status: storage.FireSuperseded, At: at(20 * time.Minute)}); err != nil {
		t.Fatalf("supersede: %v", err)
	}
	if g := get(f.ID); g.Status != storage.FireSuperseded || g.ClosedAt == nil || !g.ClosedAt.Equal(at(20*time.Minute)) || g.AnsweredAt != nil {
		t.Fatalf("superseded fire = %+v", g)
	}
	isConflict(t, "superseding a superseded fire", s.FinishCheckinFire(ctx, f.ID, storage.FireOutcome{Status: storage.FireSuperseded, At: at(21 * time.Minute)}))
	if err := s.FinishCheckinFire(ctx, f.ID, answered); err != nil {
		t.Fatalf("answer a superseded fire: %v", err)
	}
	g := get(f.ID)
	if g.Status != storage.FireAnswered || g.Answer != "partial" || !g.AnsweredBy.Same(alice) || g.AnsweredBy.Name != alice.Name ||
		g.AnsweredAt == nil || !g.AnsweredAt.Equal(at(time.Hour)) || !g.ClosedAt.Equal(at(20*time.Minute)) {
		t.Fatalf("answered fire = %+v", g)
	}
	// Answered is final: a second click loses.
	isConflict(t, "answering twice", s.FinishCheckinFire(ctx, f.ID, storage.FireOutcome{Status: storage.FireAnswered, Answer: "yes", By: bob, At: at(2 * time.Hour)}))
	isConflict(t, "closing an answered fire", s.FinishCheckinFire(ctx, f.ID, storage.FireOutcome{Status: storage.FireClosed, At: at(2 * time.Hour)}))
	if g := get(f.ID); g.Answer != "partial" || !g.AnsweredBy.Same(alice) {
		t.Fatalf("a refused move changed the fire: %+v", g)
	}

	// open → closed (the check-in stopped), and closed is final.
	f = fire()
	if err := s.FinishCheckinFire(ctx, f.ID, storage.FireOutcome{Status: storage.FireClosed, At: at(30 * time.Minute)}); err != nil {
		t.Fatalf("close: %v", err)
	}
	isConflict(t, "answering a closed fire", s.FinishCheckinFire(ctx, f.ID, answered))

	// open → answered directly.
	f = fire()
	if err := s.FinishCheckinFire(ctx, f.ID, storage.FireOutcome{Status: storage.FireAnswered, Answer: "yes", By: bob, At: at(40 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if g := get(f.ID); g.Status != storage.FireAnswered || !g.ClosedAt.Equal(at(40*time.Minute)) {
		t.Fatalf("answered fire = %+v", g)
	}

	// Nonsense is refused before it reaches the database.
	f = fire()
	for name, o := range map[string]storage.FireOutcome{
		"answer with no answer":   {Status: storage.FireAnswered, By: bob, At: at(time.Hour)},
		"answer with a bad value": {Status: storage.FireAnswered, Answer: "maybe", By: bob, At: at(time.Hour)},
		"answer by nobody":        {Status: storage.FireAnswered, Answer: "no", At: at(time.Hour)},
		"back to open":            {Status: storage.FireOpen, At: at(time.Hour)},
		"no time":                 {Status: storage.FireClosed},
		"closed with an answer":   {Status: storage.FireClosed, Answer: "yes", At: at(time.Hour)},
	} {
		if err := s.FinishCheckinFire(ctx, f.ID, o); err == nil || errors.Is(err, storage.ErrConflict) {
			t.Errorf("%s: err = %v, want a validation error", name, err)
		}
	}
	if g := get(f.ID); g.Status != storage.FireOpen {
		t.Fatalf("a refused move changed the fire: %+v", g)
	}
	isNotFound(t, "finishing a missing fire", s.FinishCheckinFire(ctx, 99999, answered))
}

// testCheckinConcurrentSweepers runs several sweepers at once over many
// due check-ins, each doing what the scheduler does in one transaction:
// claim, record the fire, move the check-in on. Every check-in must be
// claimed exactly once, and the unique fire record must never be the thing
// that stops a double (the claim does).
func testCheckinConcurrentSweepers(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	const n, workers = 60, 4
	for i := range n {
		inc := mustCreate(t, s, newIncident(fmt.Sprintf("inc %d", i), base))
		mustCreateCheckin(t, s, newCheckin(inc, storage.CheckinImpact, at(time.Duration(i)*time.Second)))
	}
	now := at(time.Hour)
	claimed := claimConcurrently(t, workers, n, "check-in", func() ([]int64, error) {
		var ids []int64
		err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			got, err := q.ClaimDueCheckins(ctx, now, 3)
			if err != nil {
				return err
			}
			for _, c := range got {
				f := &storage.CheckinFire{CheckinID: c.ID, IncidentID: c.IncidentID, Seq: c.Fired + 1, DueAt: c.NextDueAt, FiredAt: now}
				if err := q.RecordCheckinFire(ctx, f); err != nil {
					return err
				}
				c.Fired++
				c.NextDueAt = now.Add(10 * time.Minute)
				c.OpenFireID = f.ID
				if err := q.UpdateCheckin(ctx, &c); err != nil {
					return err
				}
				ids = append(ids, c.ID)
			}
			return nil
		})
		return ids, err
	})
	for id := range claimed {
		c, err := s.ListCheckinFires(ctx, id)
		if err != nil || len(c) != 1 {
			t.Errorf("check-in %d has fires %+v, %v; want one", id, c, err)
		}
	}
}

// testCheckinClaimSkipsLocked: while a command holds an incident (locked
// for update) and changes it, a sweeper's claim does not return that
// incident's check-in: on Postgres it skips the locked row without
// waiting; on SQLite it waits for the single writer and then sees the
// change.
func testCheckinClaimSkipsLocked(t *testing.T, s storage.Store) {
	busy := mustCreate(t, s, newIncident("busy", base))
	free := mustCreate(t, s, newIncident("free", base))
	mustCreateCheckin(t, s, newCheckin(busy, storage.CheckinImpact, at(time.Minute)))
	mustCreateCheckin(t, s, newCheckin(free, storage.CheckinImpact, at(2*time.Minute)))

	var got []storage.Checkin
	claimWhileHeld(t, s, func(ctx context.Context, q storage.Querier) error {
		inc, err := q.GetIncidentForUpdate(ctx, busy.ID)
		if err != nil {
			return err
		}
		c, err := q.GetCheckin(ctx, busy.Key+"/impact")
		if err != nil {
			return err
		}
		inc.State, inc.ResolvedAt = incident.StateResolved, ptr(at(time.Minute))
		if err := q.UpdateIncident(ctx, inc); err != nil {
			return err
		}
		c.Active = false
		return q.UpdateCheckin(ctx, &c)
	}, func(ctx context.Context, q storage.Querier) error {
		var err error
		got, err = q.ClaimDueCheckins(ctx, at(time.Hour), 10)
		return err
	})
	if fmt.Sprint(keys(got)) != fmt.Sprint([]string{free.Key + "/impact"}) {
		t.Fatalf("claimed %v while %s was held and resolved; want only %s", keys(got), busy.Key, free.Key)
	}
}

// testCheckinClaimRollsBack: a sweeper that dies mid-transaction (its
// context cancelled) leaves the check-in due for the next one, with no
// fire recorded.
func testCheckinClaimRollsBack(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("rollback", base))
	mustCreateCheckin(t, s, newCheckin(inc, storage.CheckinImpact, at(time.Minute)))
	dying, cancel := context.WithCancel(ctx)
	err := s.InTx(dying, func(ctx context.Context, q storage.Querier) error {
		got, err := q.ClaimDueCheckins(ctx, at(time.Hour), 10)
		if err != nil || len(got) != 1 {
			return fmt.Errorf("claim: %v %v", keys(got), err)
		}
		f := &storage.CheckinFire{CheckinID: got[0].ID, IncidentID: inc.ID, Seq: 1, DueAt: got[0].NextDueAt, FiredAt: at(time.Hour)}
		if err := q.RecordCheckinFire(ctx, f); err != nil {
			return err
		}
		cancel()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("InTx = %v, want the cancellation", err)
	}
	got := claimAll(t, s, at(time.Hour), 10)
	if len(got) != 1 || got[0].Fired != 0 {
		t.Fatalf("after a dead sweeper: claimed %+v, want the check-in still due", got)
	}
	if fires, err := s.ListCheckinFires(ctx, got[0].ID); err != nil || len(fires) != 0 {
		t.Fatalf("a rolled-back fire was kept: %+v, %v", fires, err)
	}
}

// testCheckinResetCounts: a note clears the unanswered and escalation
// counts of the incident's active check-ins, and only theirs; inside a
// transaction too, and undone with it.
func testCheckinResetCounts(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("checkout errors", base))
	other := mustCreate(t, s, newIncident("other", base))
	chased := newCheckin(inc, storage.CheckinImpact, at(time.Hour))
	chased.Unanswered, chased.Escalation = 2, 1
	mustCreateCheckin(t, s, chased)
	quiet := newCheckin(inc, storage.CheckinDiagnosis, at(time.Hour))
	mustCreateCheckin(t, s, quiet)
	stopped := newCheckin(inc, storage.CheckinDigest, at(time.Hour))
	stopped.Active, stopped.Unanswered = false, 3
	mustCreateCheckin(t, s, stopped)
	elsewhere := newCheckin(other, storage.CheckinImpact, at(time.Hour))
	elsewhere.Unanswered = 4
	mustCreateCheckin(t, s, elsewhere)

	// Rolled back with the transaction it ran in.
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.ResetCheckinCounts(ctx, inc.ID, at(time.Minute)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	got := func(c *storage.Checkin) storage.Checkin {
		t.Helper()
		g, err := s.GetCheckin(ctx, c.Key)
		if err != nil {
			t.Fatalf("GetCheckin(%s): %v", c.Key, err)
		}
		return g
	}
	checkCheckin(t, *chased, got(chased))

	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.ResetCheckinCounts(ctx, inc.ID, at(2*time.Minute)); err != nil {
			return err
		}
		// What the transaction does next sees it.
		c, err := q.GetCheckin(ctx, chased.Key)
		if err != nil {
			return err
		}
		if c.Unanswered != 0 || c.Escalation != 0 {
			t.Errorf("within the transaction: unanswered %d, escalation %d", c.Unanswered, c.Escalation)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := *chased
	want.Unanswered, want.Escalation, want.UpdatedAt = 0, 0, at(2*time.Minute)
	checkCheckin(t, want, got(chased))
	checkCheckin(t, *quiet, got(quiet))         // nothing to clear: untouched, UpdatedAt kept
	checkCheckin(t, *stopped, got(stopped))     // inactive
	checkCheckin(t, *elsewhere, got(elsewhere)) // another incident

	// Outside a transaction too.
	elsewhere2 := got(elsewhere)
	if err := s.ResetCheckinCounts(ctx, other.ID, at(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	elsewhere2.Unanswered, elsewhere2.UpdatedAt = 0, at(3*time.Minute)
	checkCheckin(t, elsewhere2, got(elsewhere))
}
