// Package storagetest is the storage conformance suite and the helpers that
// give tests a fresh store of each dialect.
package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// base is the suite's clock: every time it stores is derived from it, never
// from time.Now. Postgres keeps microseconds, so no time here is finer.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// at is base moved by d.
func at(d time.Duration) time.Time { return base.Add(d) }

func ptr[T any](v T) *T { return &v }

var (
	alice = incident.Actor{Platform: incident.PlatformSlack, ID: "U0ALICE", Name: "Alice"}
	bob   = incident.Actor{Platform: incident.PlatformDiscord, ID: "1234567890", Name: "Bob"}
	carol = incident.Actor{Platform: incident.PlatformConsole, ID: "carol", Name: "Carol"}
)

// Run runs the storage conformance suite: each test gets a fresh, empty,
// migrated store from newStore. Every Store implementation must pass it;
// it checks only behaviour that package storage defines.
func Run(t *testing.T, newStore func(t testing.TB) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"Migrations", testMigrations},
		{"IncidentRoundTrip", testIncidentRoundTrip},
		{"IncidentUpdate", testIncidentUpdate},
		{"IncidentLookups", testIncidentLookups},
		{"IncidentChannels", testIncidentChannels},
		{"BorrowedChannels", testBorrowedChannels},
		{"PrivateIncidents", testPrivateIncidents},
		{"IncidentNotFound", testIncidentNotFound},
		{"ListIncidents", testListIncidents},
		{"IncidentRoles", testIncidentRoles},
		{"Events", testEvents},
		{"EventsConcurrentAppends", testEventsConcurrent},
		{"TxCommitsTogether", testTxCommit},
		{"TxRollsBackTogether", testTxRollback},
		{"OutboxRoundTrip", testOutboxRoundTrip},
		{"OutboxChannelOrder", testOutboxChannelOrder},
		{"OutboxRetry", testOutboxRetry},
		{"OutboxNotDueYet", testOutboxNotDueYet},
		{"OutboxLeaseExpiry", testOutboxLease},
		{"OutboxKill", testOutboxKill},
		{"OutboxStaleWorker", testOutboxStaleWorker},
		{"OutboxClaimLimit", testOutboxLimit},
		{"OutboxConcurrentWorkers", testOutboxConcurrentWorkers},
		{"OutboxStats", testOutboxStats},
		{"OutboxWake", testOutboxWake},
		{"OutboxPrune", testOutboxPrune},
		{"OutboxDefer", testOutboxDefer},
		{"MessageRefs", testMessageRefs},
		{"Dedupe", testDedupe},
		{"Audit", testAudit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
	t.Run("Checkins", func(t *testing.T) { runCheckins(t, newStore) })
	t.Run("Drafts", func(t *testing.T) { runDrafts(t, newStore) })
	t.Run("ActionRuns", func(t *testing.T) { runActionRuns(t, newStore) })
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ---- helpers ----

// newIncident is an open incident with every field set.
func newIncident(title string, declared time.Time) *incident.Incident {
	return &incident.Incident{
		Title:           title,
		Severity:        incident.Sev2,
		Impact:          incident.ImpactOngoing,
		Cause:           incident.CauseUnknown,
		State:           incident.StateOpen,
		Lead:            alice,
		Declarer:        bob,
		Services:        []string{"checkout", "payments"},
		ImpactStartedAt: declared.Add(-7*time.Minute - 123456*time.Microsecond),
		DeclaredAt:      declared,
		Windows:         []incident.Window{{Start: declared.Add(-7*time.Minute - 123456*time.Microsecond)}},
	}
}

func mustCreate(t *testing.T, q storage.Querier, inc *incident.Incident) *incident.Incident {
	t.Helper()
	if err := q.CreateIncident(ctxFor(t), inc); err != nil {
		t.Fatalf("CreateIncident(%q): %v", inc.Title, err)
	}
	return inc
}

func mustGet(t *testing.T, q storage.Querier, id int64) *incident.Incident {
	t.Helper()
	got, err := q.GetIncident(ctxFor(t), id)
	if err != nil {
		t.Fatalf("GetIncident(%d): %v", id, err)
	}
	return got
}

func timeEq(a, b time.Time) bool { return a.Equal(b) }

func timePtrEq(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func fmtTimePtr(p *time.Time) string {
	if p == nil {
		return "nil"
	}
	return p.UTC().Format(time.RFC3339Nano)
}

// checkIncident reports every field of got that differs from want, but
// Channels (see checkChannels).
func checkIncident(t *testing.T, want, got *incident.Incident) {
	t.Helper()
	if got == nil {
		t.Fatalf("got nil incident, want %q", want.Title)
	}
	eq := func(field string, w, g any) {
		t.Helper()
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: got %v, want %v", field, g, w)
		}
	}
	eq("ID", want.ID, got.ID)
	eq("Key", want.Key, got.Key)
	eq("Title", want.Title, got.Title)
	eq("Severity", want.Severity, got.Severity)
	eq("Impact", want.Impact, got.Impact)
	eq("Cause", want.Cause, got.Cause)
	eq("State", want.State, got.State)
	eq("Lead", want.Lead, got.Lead)
	eq("Declarer", want.Declarer, got.Declarer)
	checkRoles(t, want.Roles, got.Roles)
	if len(want.Services) != len(got.Services) || (len(want.Services) > 0 && !slices.Equal(want.Services, got.Services)) {
		t.Errorf("Services: got %q, want %q", got.Services, want.Services)
	}
	if !timeEq(want.ImpactStartedAt, got.ImpactStartedAt) {
		t.Errorf("ImpactStartedAt: got %v, want %v", got.ImpactStartedAt, want.ImpactStartedAt)
	}
	if !timeEq(want.DeclaredAt, got.DeclaredAt) {
		t.Errorf("DeclaredAt: got %v, want %v", got.DeclaredAt, want.DeclaredAt)
	}
	for _, f := range []struct {
		name string
		w, g *time.Time
	}{
		{"MitigatedAt", want.MitigatedAt, got.MitigatedAt},
		{"DiagnosedAt", want.DiagnosedAt, got.DiagnosedAt},
		{"ResolvedAt", want.ResolvedAt, got.ResolvedAt},
	} {
		if !timePtrEq(f.w, f.g) {
			t.Errorf("%s: got %s, want %s", f.name, fmtTimePtr(f.g), fmtTimePtr(f.w))
		}
	}
	eq("Private", want.Private, got.Private)
	eq("CauseText", want.CauseText, got.CauseText)
	eq("Summary", want.Summary, got.Summary)
	if len(want.Windows) != len(got.Windows) {
		t.Errorf("Windows: got %d, want %d: %+v", len(got.Windows), len(want.Windows), got.Windows)
		return
	}
	for i := range want.Windows {
		w, g := want.Windows[i], got.Windows[i]
		if !w.Start.Equal(g.Start) || !timePtrEq(w.End, g.End) {
			t.Errorf("Windows[%d]: got %v–%s, want %v–%s", i, g.Start, fmtTimePtr(g.End), w.Start, fmtTimePtr(w.End))
		}
	}
}

// checkChannels reports whether got holds exactly want, in want's order.
func checkChannels(t *testing.T, got, want []incident.ChannelRef) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("Channels: got %v, want %v", got, want)
	}
}

func isNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("%s: got error %v, want ErrNotFound", what, err)
	}
}

func isConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, storage.ErrConflict) {
		t.Errorf("%s: got error %v, want ErrConflict", what, err)
	}
}

// ---- migrations ----

func testMigrations(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	if d := s.Dialect(); d != "postgres" && d != "sqlite" {
		t.Errorf("Dialect() = %q, want postgres or sqlite", d)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	ok, err := s.MigrationsCurrent(ctx)
	if err != nil || !ok {
		t.Fatalf("MigrationsCurrent after Migrate = %v, %v; want true, nil", ok, err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	ok, err = s.MigrationsCurrent(ctx)
	if err != nil || !ok {
		t.Fatalf("MigrationsCurrent after second Migrate = %v, %v; want true, nil", ok, err)
	}
	// The schema still works and still holds data after a second Migrate.
	inc := mustCreate(t, s, newIncident("after migrate", base))
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("third Migrate: %v", err)
	}
	checkIncident(t, inc, mustGet(t, s, inc.ID))
}

// ---- incidents ----

func testIncidentRoundTrip(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	// A declaration made in another time zone is the same instant.
	cet := time.FixedZone("CET", 3600)
	inc := newIncident("Checkout is down", at(123456*time.Microsecond).In(cet))
	inc.Severity = incident.Sev1
	inc.Services = []string{"payments", "checkout", "api-gateway"} // order is kept
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatalf("CreateIncident: %v", err)
	}
	if inc.ID <= 0 {
		t.Fatalf("CreateIncident set ID %d, want > 0", inc.ID)
	}
	if want := incident.KeyFor(inc.ID); inc.Key != want {
		t.Errorf("CreateIncident set Key %q, want %q", inc.Key, want)
	}
	got := mustGet(t, s, inc.ID)
	checkIncident(t, inc, got)
	checkChannels(t, got.Channels, nil)
	if got.MitigatedAt != nil || got.DiagnosedAt != nil || got.ResolvedAt != nil {
		t.Errorf("unset timestamps came back set: %s %s %s",
			fmtTimePtr(got.MitigatedAt), fmtTimePtr(got.DiagnosedAt), fmtTimePtr(got.ResolvedAt))
	}

	// Every optional field set at creation, no services, no lead.
	full := newIncident("Search is slow", at(time.Hour))
	full.Severity = incident.Sev4
	full.Impact = incident.ImpactMitigated
	full.Cause = incident.CauseIdentified
	full.State = incident.StateResolved
	full.Lead = incident.Actor{}
	full.Services = []string{}
	full.MitigatedAt = ptr(at(time.Hour + 5*time.Minute + 1*time.Microsecond))
	full.DiagnosedAt = ptr(at(time.Hour + 9*time.Minute).In(cet))
	full.ResolvedAt = ptr(at(2 * time.Hour))
	full.CauseText = "a bad index"
	full.Summary = "index rebuilt; \"quotes\" and 'apostrophes' and ünïcode ✓"
	full.Windows = []incident.Window{
		{Start: at(50 * time.Minute), End: ptr(at(time.Hour + 5*time.Minute + 1*time.Microsecond))},
	}
	mustCreate(t, s, full)
	if full.ID == inc.ID {
		t.Fatalf("two incidents got the same ID %d", full.ID)
	}
	checkIncident(t, full, mustGet(t, s, full.ID))
	// The first one is untouched by the second.
	checkIncident(t, inc, mustGet(t, s, inc.ID))
}

func testIncidentUpdate(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("Logins fail", base))
	other := mustCreate(t, s, newIncident("Unrelated", at(time.Minute)))
	ch := incident.ChannelRef{Platform: incident.PlatformSlack, ChannelID: "CINC1"}
	if err := s.AddIncidentChannel(ctx, inc.ID, ch); err != nil {
		t.Fatalf("AddIncidentChannel: %v", err)
	}

	// Change every field.
	upd := *mustGet(t, s, inc.ID)
	upd.Title = "Logins fail for EU users"
	upd.Severity = incident.Sev1
	upd.Impact = incident.ImpactMitigated
	upd.Cause = incident.CauseIdentified
	upd.State = incident.StateResolved
	upd.Lead = carol
	upd.Declarer = alice
	upd.Services = []string{"auth"}
	upd.ImpactStartedAt = at(-30*time.Minute + 7*time.Microsecond)
	upd.DeclaredAt = at(2 * time.Second)
	upd.MitigatedAt = ptr(at(10 * time.Minute))
	upd.DiagnosedAt = ptr(at(20*time.Minute + 999999*time.Microsecond))
	upd.ResolvedAt = ptr(at(time.Hour))
	upd.CauseText = "expired certificate"
	upd.Summary = "rotated the certificate"
	upd.Windows = []incident.Window{
		{Start: at(-30*time.Minute + 7*time.Microsecond), End: ptr(at(5 * time.Minute))},
		{Start: at(7 * time.Minute), End: ptr(at(10 * time.Minute))},
	}
	upd.Channels = nil // not saved by UpdateIncident
	if err := s.UpdateIncident(ctx, &upd); err != nil {
		t.Fatalf("UpdateIncident: %v", err)
	}
	got := mustGet(t, s, inc.ID)
	checkIncident(t, &upd, got)
	checkChannels(t, got.Channels, []incident.ChannelRef{ch})
	if got.ID != inc.ID || got.Key != inc.Key {
		t.Errorf("UpdateIncident changed ID/Key to %d/%q", got.ID, got.Key)
	}

	// And back: timestamps to nil, services and windows emptied, lead cleared.
	upd.State = incident.StateOpen
	upd.Impact = incident.ImpactOngoing
	upd.Cause = incident.CauseUnknown
	upd.Lead = incident.Actor{}
	upd.Services = nil
	upd.MitigatedAt, upd.DiagnosedAt, upd.ResolvedAt = nil, nil, nil
	upd.CauseText, upd.Summary = "", ""
	upd.Windows = []incident.Window{{Start: at(-30 * time.Minute)}}
	if err := s.UpdateIncident(ctx, &upd); err != nil {
		t.Fatalf("second UpdateIncident: %v", err)
	}
	got = mustGet(t, s, inc.ID)
	checkIncident(t, &upd, got)
	if len(got.Services) != 0 {
		t.Errorf("Services: got %q, want none", got.Services)
	}

	// The other incident is untouched.
	checkIncident(t, other, mustGet(t, s, other.ID))

	missing := *inc
	missing.ID = inc.ID + other.ID + 1000
	isNotFound(t, "UpdateIncident of a missing incident", s.UpdateIncident(ctx, &missing))
}

func testIncidentLookups(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	first := mustCreate(t, s, newIncident("first", base))
	inc := mustCreate(t, s, newIncident("second", at(time.Minute)))
	for _, key := range []string{inc.Key, fmt.Sprint(inc.ID), strings.ToLower(inc.Key), " " + inc.Key + " "} {
		got, err := s.GetIncidentByKey(ctx, key)
		if err != nil {
			t.Errorf("GetIncidentByKey(%q): %v", key, err)
			continue
		}
		if got.ID != inc.ID || got.Title != "second" {
			t.Errorf("GetIncidentByKey(%q) = %d %q, want %d second", key, got.ID, got.Title, inc.ID)
		}
	}
	ch := incident.ChannelRef{Platform: incident.PlatformDiscord, ChannelID: "998877"}
	if err := s.AddIncidentChannel(ctx, inc.ID, ch); err != nil {
		t.Fatalf("AddIncidentChannel: %v", err)
	}
	got, err := s.GetIncidentByChannel(ctx, ch)
	if err != nil {
		t.Fatalf("GetIncidentByChannel: %v", err)
	}
	checkIncident(t, inc, got)
	checkChannels(t, got.Channels, []incident.ChannelRef{ch})

	// Same channel ID on another platform is another channel.
	_, err = s.GetIncidentByChannel(ctx, incident.ChannelRef{Platform: incident.PlatformSlack, ChannelID: "998877"})
	isNotFound(t, "GetIncidentByChannel on another platform", err)

	// GetIncidentForUpdate outside and inside a transaction.
	got, err = s.GetIncidentForUpdate(ctx, first.ID)
	if err != nil {
		t.Fatalf("GetIncidentForUpdate: %v", err)
	}
	checkIncident(t, first, got)
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		got, err := q.GetIncidentForUpdate(ctx, first.ID)
		if err != nil {
			return err
		}
		checkIncident(t, first, got)
		return nil
	})
	if err != nil {
		t.Fatalf("InTx GetIncidentForUpdate: %v", err)
	}
}

func testIncidentChannels(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	b := mustCreate(t, s, newIncident("b", at(time.Minute)))
	main := incident.ChannelRef{Platform: incident.PlatformSlack, ChannelID: "CMAIN"}
	side := incident.ChannelRef{Platform: incident.PlatformSlack, ChannelID: "CSIDE"}
	disc := incident.ChannelRef{Platform: incident.PlatformDiscord, ChannelID: "555"}
	for _, ch := range []incident.ChannelRef{main, disc, side} {
		if err := s.AddIncidentChannel(ctx, a.ID, ch); err != nil {
			t.Fatalf("AddIncidentChannel(%s): %v", ch, err)
		}
	}
	// Binding again to the same incident is a no-op.
	if err := s.AddIncidentChannel(ctx, a.ID, side); err != nil {
		t.Errorf("AddIncidentChannel again to the same incident: %v", err)
	}
	got := mustGet(t, s, a.ID)
	checkChannels(t, got.Channels, []incident.ChannelRef{main, disc, side})
	if c, ok := got.ChannelOn(incident.PlatformSlack); !ok || c != main {
		t.Errorf("ChannelOn(slack) = %v %v, want the first bound, %v", c, ok, main)
	}

	// Binding it to another incident is a conflict, and changes nothing.
	isConflict(t, "AddIncidentChannel to another incident", s.AddIncidentChannel(ctx, b.ID, main))
	owner, err := s.GetIncidentByChannel(ctx, main)
	if err != nil || owner.ID != a.ID {
		t.Errorf("after the conflict the channel belongs to %v (%v), want %d", owner, err, a.ID)
	}
	checkChannels(t, mustGet(t, s, b.ID).Channels, nil)

	// Inside a transaction too; a conflict there does not poison a
	// transaction that goes on to commit other work elsewhere.
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.AddIncidentChannel(ctx, b.ID, disc)
	})
	isConflict(t, "AddIncidentChannel to another incident in InTx", err)
	other := incident.ChannelRef{Platform: incident.PlatformConsole, ChannelID: "b"}
	if err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.AddIncidentChannel(ctx, b.ID, other)
	}); err != nil {
		t.Fatalf("AddIncidentChannel in InTx: %v", err)
	}
	checkChannels(t, mustGet(t, s, b.ID).Channels, []incident.ChannelRef{other})
}

func testIncidentNotFound(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("only", base))
	missing := inc.ID + 1000
	_, err := s.GetIncident(ctx, missing)
	isNotFound(t, "GetIncident", err)
	_, err = s.GetIncidentForUpdate(ctx, missing)
	isNotFound(t, "GetIncidentForUpdate", err)
	_, err = s.GetIncidentByKey(ctx, incident.KeyFor(missing))
	isNotFound(t, "GetIncidentByKey", err)
	_, err = s.GetIncidentByKey(ctx, fmt.Sprint(missing))
	isNotFound(t, "GetIncidentByKey bare", err)
	_, err = s.GetIncidentByChannel(ctx, incident.ChannelRef{Platform: incident.PlatformSlack, ChannelID: "CNONE"})
	isNotFound(t, "GetIncidentByChannel", err)
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		_, err := q.GetIncidentForUpdate(ctx, missing)
		return err
	})
	isNotFound(t, "GetIncidentForUpdate in InTx", err)
	_, err = s.GetOutbox(ctx, 424242)
	isNotFound(t, "GetOutbox", err)
	_, err = s.GetMessageRef(ctx, "INC-1/card")
	isNotFound(t, "GetMessageRef", err)
}

func testListIncidents(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mk := func(title string, declared time.Time, sev incident.Severity, state incident.State, services ...string) *incident.Incident {
		inc := newIncident(title, declared)
		inc.Severity, inc.State, inc.Services = sev, state, services
		if state == incident.StateResolved {
			inc.ResolvedAt = ptr(declared.Add(time.Hour))
		}
		return mustCreate(t, s, inc)
	}
	// Declared in ID order; c's declaration is written in another zone.
	a := mk("a", at(-5*time.Hour), incident.Sev1, incident.StateOpen, "checkout", "payments")
	b := mk("b", at(-4*time.Hour), incident.Sev2, incident.StateResolved, "search")
	c := mk("c", at(-3*time.Hour).In(time.FixedZone("UTC+2", 2*3600)), incident.Sev1, incident.StateResolved, "checkout")
	d := mk("d", at(-2*time.Hour), incident.Sev3, incident.StateOpen)
	e := mk("e", at(-1*time.Hour+1*time.Microsecond), incident.Sev1, incident.StateOpen, "payments")

	cases := []struct {
		name string
		f    storage.IncidentFilter
		want []*incident.Incident
	}{
		{"all, newest first", storage.IncidentFilter{}, []*incident.Incident{e, d, c, b, a}},
		{"open", storage.IncidentFilter{State: incident.StateOpen}, []*incident.Incident{e, d, a}},
		{"resolved", storage.IncidentFilter{State: incident.StateResolved}, []*incident.Incident{c, b}},
		{"sev1", storage.IncidentFilter{Severity: incident.Sev1}, []*incident.Incident{e, c, a}},
		{"sev4", storage.IncidentFilter{Severity: incident.Sev4}, nil},
		{"service checkout", storage.IncidentFilter{Service: "checkout"}, []*incident.Incident{c, a}},
		{"service payments", storage.IncidentFilter{Service: "payments"}, []*incident.Incident{e, a}},
		{"service is matched whole", storage.IncidentFilter{Service: "check"}, nil},
		{"declared range, from inclusive, to exclusive",
			storage.IncidentFilter{DeclaredFrom: at(-3 * time.Hour), DeclaredTo: at(-1 * time.Hour)},
			[]*incident.Incident{d, c}},
		{"declared range, to just past e", storage.IncidentFilter{DeclaredFrom: at(-3*time.Hour + time.Microsecond), DeclaredTo: at(-1*time.Hour + 2*time.Microsecond)},
			[]*incident.Incident{e, d}},
		{"declared from only", storage.IncidentFilter{DeclaredFrom: at(-2 * time.Hour)}, []*incident.Incident{e, d}},
		{"declared to only", storage.IncidentFilter{DeclaredTo: at(-4 * time.Hour)}, []*incident.Incident{a}},
		{"open sev1", storage.IncidentFilter{State: incident.StateOpen, Severity: incident.Sev1}, []*incident.Incident{e, a}},
		{"resolved checkout sev1 in range",
			storage.IncidentFilter{State: incident.StateResolved, Severity: incident.Sev1, Service: "checkout", DeclaredFrom: at(-4 * time.Hour)},
			[]*incident.Incident{c}},
		{"first page", storage.IncidentFilter{Limit: 2}, []*incident.Incident{e, d}},
		{"second page", storage.IncidentFilter{Limit: 2, Offset: 2}, []*incident.Incident{c, b}},
		{"last page", storage.IncidentFilter{Limit: 2, Offset: 4}, []*incident.Incident{a}},
		{"past the end", storage.IncidentFilter{Limit: 2, Offset: 10}, nil},
		{"offset only", storage.IncidentFilter{Offset: 3}, []*incident.Incident{b, a}},
		{"filtered page", storage.IncidentFilter{Severity: incident.Sev1, Limit: 1, Offset: 1}, []*incident.Incident{c}},
	}
	titles := func(incs []*incident.Incident) []string {
		out := []string{}
		for _, i := range incs {
			out = append(out, i.Title)
		}
		return out
	}
	for _, tc := range cases {
		got, err := s.ListIncidents(ctx, tc.f)
		if err != nil {
			t.Errorf("%s: ListIncidents: %v", tc.name, err)
			continue
		}
		if g, w := titles(got), titles(tc.want); !slices.Equal(g, w) {
			t.Errorf("%s: ListIncidents = %q, want %q", tc.name, g, w)
		}
	}
	// The listed incidents are whole.
	got, err := s.ListIncidents(ctx, storage.IncidentFilter{Service: "checkout", State: incident.StateResolved})
	if err != nil || len(got) != 1 {
		t.Fatalf("ListIncidents(resolved checkout) = %d, %v; want 1", len(got), err)
	}
	checkIncident(t, c, got[0])

	counts := []struct {
		name string
		f    storage.IncidentFilter
		want int
	}{
		{"all", storage.IncidentFilter{}, 5},
		{"open", storage.IncidentFilter{State: incident.StateOpen}, 3},
		{"sev1 ignoring paging", storage.IncidentFilter{Severity: incident.Sev1, Limit: 1, Offset: 1}, 3},
		{"payments", storage.IncidentFilter{Service: "payments"}, 2},
		{"range", storage.IncidentFilter{DeclaredFrom: at(-3 * time.Hour), DeclaredTo: at(-1 * time.Hour)}, 2},
		{"none", storage.IncidentFilter{Service: "nope"}, 0},
	}
	for _, tc := range counts {
		n, err := s.CountIncidents(ctx, tc.f)
		if err != nil || n != tc.want {
			t.Errorf("%s: CountIncidents = %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
}

// ---- events ----

func testEvents(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("events", base))
	other := mustCreate(t, s, newIncident("other", base))

	data := map[string]any{
		"from": "sev2", "to": "sev1", "n": 3.5, "ok": true, "none": nil,
		"list":   []any{"a", "b", 2.0},
		"nested": map[string]any{"k": "v", "deep": map[string]any{"x": false}},
	}
	in := []incident.Event{
		incident.NewEvent(at(time.Second), incident.KindDeclared, alice, "Checkout is down", nil).WithSource(incident.SourceTyped),
		incident.NewEvent(at(2*time.Second+1*time.Microsecond), incident.KindSeverityChanged, bob, "sev2 → sev1", data).WithSource(incident.SourceButton),
	}
	out, err := s.AppendEvents(ctx, inc.ID, in...)
	if err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	if len(out) != 2 {
		t.Fatalf("AppendEvents returned %d events, want 2", len(out))
	}
	for i, ev := range out {
		if ev.ID <= 0 || ev.IncidentID != inc.ID || ev.Seq != int64(i+1) {
			t.Errorf("returned event %d: ID %d IncidentID %d Seq %d; want ID > 0, %d, %d", i, ev.ID, ev.IncidentID, ev.Seq, inc.ID, i+1)
		}
	}
	if out[0].ID == out[1].ID {
		t.Errorf("two events got the same ID %d", out[0].ID)
	}
	// A later append continues the sequence, and other incidents have their own.
	more, err := s.AppendEvents(ctx, inc.ID,
		incident.NewEvent(at(3*time.Second), incident.KindNote, carol, "note 1", map[string]any{"i": 1.0}).WithSource(incident.SourceTyped),
		incident.NewEvent(at(3*time.Second), incident.KindNote, carol, "note 2", nil).WithSource(incident.SourceTyped),
		incident.NewEvent(at(4*time.Second), incident.KindCheckinSent, incident.System, "", nil).WithSource(incident.SourceCheckin),
	)
	if err != nil {
		t.Fatalf("second AppendEvents: %v", err)
	}
	if len(more) != 3 || more[0].Seq != 3 || more[2].Seq != 5 {
		t.Fatalf("second AppendEvents seqs: %+v, want 3..5", more)
	}
	oth, err := s.AppendEvents(ctx, other.ID, incident.NewEvent(at(time.Second), incident.KindDeclared, alice, "other", nil))
	if err != nil || len(oth) != 1 || oth[0].Seq != 1 {
		t.Fatalf("AppendEvents to another incident = %+v, %v; want Seq 1", oth, err)
	}

	all, err := s.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	if len(all) != 5 {
		t.Fatalf("ListEvents returned %d events, want 5", len(all))
	}
	for i, ev := range all {
		if ev.Seq != int64(i+1) || ev.IncidentID != inc.ID {
			t.Errorf("event %d: Seq %d IncidentID %d, want %d %d", i, ev.Seq, ev.IncidentID, i+1, inc.ID)
		}
	}
	// Round trip of every field.
	want := append(append([]incident.Event{}, in...), more[0], more[1], more[2])
	for i := range want {
		w, g := want[i], all[i]
		if !w.At.Equal(g.At) || w.Kind != g.Kind || w.Actor != g.Actor || w.Text != g.Text || w.Source != g.Source {
			t.Errorf("event %d: got %+v, want %+v", i+1, g, w)
		}
		if len(w.Data) == 0 {
			if len(g.Data) != 0 {
				t.Errorf("event %d: Data = %v, want empty", i+1, g.Data)
			}
		} else if !reflect.DeepEqual(w.Data, g.Data) {
			t.Errorf("event %d: Data = %#v, want %#v", i+1, g.Data, w.Data)
		}
		if i < 2 && out[i].ID != g.ID {
			t.Errorf("event %d: listed ID %d, appended ID %d", i+1, g.ID, out[i].ID)
		}
	}

	// Paging by afterSeq and limit.
	page, err := s.ListEvents(ctx, inc.ID, 2, 2)
	if err != nil {
		t.Fatalf("ListEvents(after 2, limit 2): %v", err)
	}
	if len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 4 {
		t.Errorf("ListEvents(after 2, limit 2) seqs = %v, want [3 4]", seqs(page))
	}
	page, err = s.ListEvents(ctx, inc.ID, 4, 10)
	if err != nil || len(page) != 1 || page[0].Seq != 5 {
		t.Errorf("ListEvents(after 4, limit 10) = %v, %v; want [5]", seqs(page), err)
	}
	page, err = s.ListEvents(ctx, inc.ID, 5, 0)
	if err != nil || len(page) != 0 {
		t.Errorf("ListEvents(after 5) = %v, %v; want none", seqs(page), err)
	}
	page, err = s.ListEvents(ctx, other.ID, 0, 0)
	if err != nil || len(page) != 1 || page[0].Text != "other" {
		t.Errorf("ListEvents(other) = %+v, %v; want its one event", page, err)
	}
}

func seqs(evs []incident.Event) []int64 {
	out := []int64{}
	for _, e := range evs {
		out = append(out, e.Seq)
	}
	return out
}

func testEventsConcurrent(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("busy", base))
	const workers, each = 2, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
					// Read-modify-write in the same transaction, as the bot does.
					if _, err := q.GetIncidentForUpdate(ctx, inc.ID); err != nil {
						return err
					}
					ev := incident.NewEvent(at(time.Duration(i)*time.Second), incident.KindNote, alice,
						fmt.Sprintf("w%d-%02d", w, i), map[string]any{"w": float64(w), "i": float64(i)})
					_, err := q.AppendEvents(ctx, inc.ID, ev)
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d append %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	evs, err := s.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	if len(evs) != workers*each {
		t.Fatalf("got %d events, want %d", len(evs), workers*each)
	}
	seen := map[string]bool{}
	last := map[float64]float64{0: -1, 1: -1}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has Seq %d: seqs have a gap or a duplicate", i+1, ev.Seq)
		}
		if seen[ev.Text] {
			t.Errorf("event %q stored twice", ev.Text)
		}
		seen[ev.Text] = true
		// Each worker's appends were sequential, so their seqs increase.
		w, _ := ev.Data["w"].(float64)
		n, _ := ev.Data["i"].(float64)
		if n <= last[w] {
			t.Errorf("worker %v: append %v has Seq %d after append %v", w, n, ev.Seq, last[w])
		}
		last[w] = n
	}
}

// ---- transactions ----

func testTxCommit(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	drain(s)
	var inc *incident.Incident
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		inc = newIncident("in a transaction", base)
		if err := q.CreateIncident(ctx, inc); err != nil {
			return err
		}
		// The transaction sees its own writes.
		got, err := q.GetIncident(ctx, inc.ID)
		if err != nil {
			return fmt.Errorf("read own incident: %w", err)
		}
		if got.Title != inc.Title {
			return fmt.Errorf("read own incident: title %q", got.Title)
		}
		if err := q.AddIncidentChannel(ctx, inc.ID, incident.ChannelRef{Platform: "slack", ChannelID: "CTX"}); err != nil {
			return err
		}
		if _, err := q.AppendEvents(ctx, inc.ID, incident.NewEvent(base, incident.KindDeclared, alice, "declared", nil)); err != nil {
			return err
		}
		evs, err := q.ListEvents(ctx, inc.ID, 0, 0)
		if err != nil || len(evs) != 1 {
			return fmt.Errorf("read own events: %d, %v", len(evs), err)
		}
		return q.EnqueueOutbox(ctx, outboxMsg("slack", "CTX", 1, inc.ID))
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	got := mustGet(t, s, inc.ID)
	checkIncident(t, inc, got)
	checkChannels(t, got.Channels, []incident.ChannelRef{{Platform: "slack", ChannelID: "CTX"}})
	if evs, err := s.ListEvents(ctx, inc.ID, 0, 0); err != nil || len(evs) != 1 {
		t.Errorf("ListEvents after commit = %d, %v; want 1", len(evs), err)
	}
	msgs := mustClaim(t, s, base, time.Minute, 10)
	if len(msgs) != 1 || msgs[0].IncidentID != inc.ID {
		t.Errorf("claim after commit = %v, want the one message of incident %d", describe(msgs), inc.ID)
	}
	waitWake(t, s)
}

func testTxRollback(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("stable", base))
	before := mustGet(t, s, inc.ID)
	boom := errors.New("boom")
	ch := incident.ChannelRef{Platform: incident.PlatformSlack, ChannelID: "CROLLBACK"}
	var created int64
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		cur, err := q.GetIncidentForUpdate(ctx, inc.ID)
		if err != nil {
			return err
		}
		cur.Title = "changed"
		cur.Severity = incident.Sev1
		cur.MitigatedAt = ptr(at(time.Minute))
		if err := q.UpdateIncident(ctx, cur); err != nil {
			return err
		}
		if _, err := q.AppendEvents(ctx, inc.ID, incident.NewEvent(at(time.Minute), incident.KindMitigated, alice, "", nil)); err != nil {
			return err
		}
		if err := q.EnqueueOutbox(ctx, outboxMsg("slack", "C1", 1, inc.ID), outboxMsg("discord", "D1", 2, inc.ID)); err != nil {
			return err
		}
		if err := q.AddIncidentChannel(ctx, inc.ID, ch); err != nil {
			return err
		}
		if err := q.PutMessageRef(ctx, "INC-x/card", storage.MessageRef{Platform: "slack", ChannelID: "C1", MessageID: "1.2"}); err != nil {
			return err
		}
		if err := q.ClaimDedupe(ctx, "ev-rollback", base, at(time.Hour)); err != nil {
			return err
		}
		if _, err := q.AppendAudit(ctx, storage.AuditEntry{At: base, IncidentID: inc.ID, Actor: alice, Action: "action.run", Step: "requested"}); err != nil {
			return err
		}
		fresh := newIncident("never", base)
		if err := q.CreateIncident(ctx, fresh); err != nil {
			return err
		}
		created = fresh.ID
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want the fn's error", err)
	}
	checkIncident(t, before, mustGet(t, s, inc.ID))
	if evs, err := s.ListEvents(ctx, inc.ID, 0, 0); err != nil || len(evs) != 0 {
		t.Errorf("events after rollback = %d, %v; want none", len(evs), err)
	}
	if msgs := mustClaim(t, s, at(time.Hour), time.Minute, 10); len(msgs) != 0 {
		t.Errorf("outbox after rollback: claimed %v, want nothing", describe(msgs))
	}
	if st, err := s.OutboxStats(ctx); err != nil || pendingTotal(st) != 0 {
		t.Errorf("OutboxStats after rollback = %+v, %v; want nothing pending", st, err)
	}
	_, err = s.GetIncidentByChannel(ctx, ch)
	isNotFound(t, "channel bound in a rolled-back transaction", err)
	_, err = s.GetMessageRef(ctx, "INC-x/card")
	isNotFound(t, "message ref put in a rolled-back transaction", err)
	if err := s.ClaimDedupe(ctx, "ev-rollback", base, at(time.Hour)); err != nil {
		t.Errorf("dedupe key claimed in a rolled-back transaction is still there: %v", err)
	}
	if rows, err := s.ListAudit(ctx, storage.AuditFilter{}); err != nil || len(rows) != 0 {
		t.Errorf("audit after rollback = %d, %v; want none", len(rows), err)
	}
	if created != 0 {
		_, err = s.GetIncident(ctx, created)
		isNotFound(t, "incident created in a rolled-back transaction", err)
	}
	// The rolled-back append used no sequence number.
	evs, err := s.AppendEvents(ctx, inc.ID, incident.NewEvent(at(2*time.Minute), incident.KindNote, alice, "after", nil))
	if err != nil || len(evs) != 1 || evs[0].Seq != 1 {
		t.Errorf("AppendEvents after rollback = %v, %v; want Seq 1", seqs(evs), err)
	}
}

// ---- outbox ----

// outboxMsg is message n of a channel: its payload says n, it was created
// n milliseconds after base and is due at base.
func outboxMsg(platform, channel string, n int, incidentID int64) storage.OutboxMessage {
	return storage.OutboxMessage{
		Platform:      platform,
		Channel:       channel,
		Kind:          "post",
		Payload:       []byte(fmt.Sprintf(`{"n": %d, "text": "message %d"}`, n, n)),
		IncidentID:    incidentID,
		CreatedAt:     at(time.Duration(n) * time.Millisecond),
		NextAttemptAt: base,
	}
}

// payloadN is the n of a message made by outboxMsg.
func payloadN(t *testing.T, m storage.OutboxMessage) int {
	t.Helper()
	var p struct{ N int }
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatalf("message %d: payload %q: %v", m.ID, m.Payload, err)
	}
	return p.N
}

func ns(t *testing.T, msgs []storage.OutboxMessage) []int {
	t.Helper()
	out := []int{}
	for _, m := range msgs {
		out = append(out, payloadN(t, m))
	}
	return out
}

func describe(msgs []storage.OutboxMessage) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, "[%d %s/%s %s] ", m.ID, m.Platform, m.Channel, m.Payload)
	}
	return b.String()
}

func mustEnqueue(t *testing.T, s storage.Querier, msgs ...storage.OutboxMessage) {
	t.Helper()
	if err := s.EnqueueOutbox(ctxFor(t), msgs...); err != nil {
		t.Fatalf("EnqueueOutbox: %v", err)
	}
}

func mustClaim(t *testing.T, s storage.Querier, now time.Time, lease time.Duration, limit int) []storage.OutboxMessage {
	t.Helper()
	msgs, err := s.ClaimOutbox(ctxFor(t), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimOutbox: %v", err)
	}
	if len(msgs) > limit {
		t.Fatalf("ClaimOutbox(limit %d) returned %d messages", limit, len(msgs))
	}
	return msgs
}

func mustGetOutbox(t *testing.T, s storage.Querier, id int64) storage.OutboxMessage {
	t.Helper()
	m, err := s.GetOutbox(ctxFor(t), id)
	if err != nil {
		t.Fatalf("GetOutbox(%d): %v", id, err)
	}
	return m
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func pendingTotal(st []storage.OutboxStat) int {
	n := 0
	for _, s := range st {
		n += s.Pending
	}
	return n
}

func testOutboxRoundTrip(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("outbox", base))
	in := outboxMsg("slack", "C1", 7, inc.ID)
	in.Kind = "update"
	in.Payload = []byte(`{"text":"Impact mitigated ✓","blocks":[{"type":"section"}],"n":7}`)
	in.CreatedAt = at(-time.Second + 250*time.Microsecond)
	in.NextAttemptAt = at(-500 * time.Microsecond)
	mustEnqueue(t, s, in)
	msgs := mustClaim(t, s, base, time.Minute, 10)
	if len(msgs) != 1 {
		t.Fatalf("claimed %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.ID <= 0 || m.Platform != "slack" || m.Channel != "C1" || m.Kind != "update" || m.IncidentID != inc.ID {
		t.Errorf("claimed %+v, want slack/C1 update of incident %d", m, inc.ID)
	}
	if !jsonEqual(m.Payload, in.Payload) {
		t.Errorf("Payload = %s, want %s", m.Payload, in.Payload)
	}
	if !m.CreatedAt.Equal(in.CreatedAt) || !m.NextAttemptAt.Equal(in.NextAttemptAt) {
		t.Errorf("CreatedAt/NextAttemptAt = %v/%v, want %v/%v", m.CreatedAt, m.NextAttemptAt, in.CreatedAt, in.NextAttemptAt)
	}
	if m.Status != storage.OutboxPending || m.Attempts != 1 || m.DeliveredAt != nil {
		t.Errorf("claimed Status %q Attempts %d DeliveredAt %s; want pending, 1, nil", m.Status, m.Attempts, fmtTimePtr(m.DeliveredAt))
	}
	got := mustGetOutbox(t, s, m.ID)
	if got.Status != storage.OutboxPending || got.Attempts != 1 || !jsonEqual(got.Payload, in.Payload) || got.Kind != "update" {
		t.Errorf("GetOutbox after claim = %+v", got)
	}
	deliveredAt := at(2*time.Second + 3*time.Microsecond)
	if err := s.MarkDelivered(ctx, m.ID, deliveredAt); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	got = mustGetOutbox(t, s, m.ID)
	if got.Status != storage.OutboxDelivered || !timePtrEq(got.DeliveredAt, &deliveredAt) || got.Attempts != 1 {
		t.Errorf("after MarkDelivered: Status %q DeliveredAt %s Attempts %d; want delivered, %v, 1",
			got.Status, fmtTimePtr(got.DeliveredAt), got.Attempts, deliveredAt)
	}
	if msgs := mustClaim(t, s, at(time.Hour), time.Minute, 10); len(msgs) != 0 {
		t.Errorf("a delivered message was claimed again: %s", describe(msgs))
	}

	// A message of no incident.
	none := outboxMsg("console", "tty", 8, 0)
	mustEnqueue(t, s, none)
	msgs = mustClaim(t, s, base, time.Minute, 10)
	if len(msgs) != 1 || msgs[0].IncidentID != 0 || msgs[0].Platform != "console" {
		t.Errorf("claimed %s, want the console message of no incident", describe(msgs))
	}
}

func testOutboxChannelOrder(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s,
		outboxMsg("slack", "C1", 1, 0),
		outboxMsg("slack", "C1", 2, 0),
		outboxMsg("slack", "C2", 3, 0),
	)
	mustEnqueue(t, s,
		outboxMsg("discord", "C1", 4, 0), // same channel name, other platform: its own queue
		outboxMsg("slack", "C1", 5, 0),
	)
	first := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, first); !slices.Equal(got, []int{1, 3, 4}) {
		t.Fatalf("first claim = %v, want the heads [1 3 4] in order", got)
	}
	for _, m := range first {
		if m.Attempts != 1 {
			t.Errorf("message %d: Attempts %d, want 1", payloadN(t, m), m.Attempts)
		}
	}
	byN := map[int]storage.OutboxMessage{}
	for _, m := range first {
		byN[payloadN(t, m)] = m
	}
	// Every head is leased: nothing more, however many are pending.
	if again := mustClaim(t, s, base, time.Minute, 10); len(again) != 0 {
		t.Fatalf("second claim while heads are leased = %v, want none", ns(t, again))
	}
	// Delivering C1's head makes 2 (and only 2) due.
	if err := s.MarkDelivered(ctx, byN[1].ID, at(time.Second)); err != nil {
		t.Fatalf("MarkDelivered(1): %v", err)
	}
	next := mustClaim(t, s, at(time.Second), time.Minute, 10)
	if got := ns(t, next); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim after delivering 1 = %v, want [2]", got)
	}
	if err := s.MarkDelivered(ctx, next[0].ID, at(2*time.Second)); err != nil {
		t.Fatalf("MarkDelivered(2): %v", err)
	}
	if err := s.MarkDelivered(ctx, byN[3].ID, at(2*time.Second)); err != nil {
		t.Fatalf("MarkDelivered(3): %v", err)
	}
	last := mustClaim(t, s, at(2*time.Second), time.Minute, 10)
	if got := ns(t, last); !slices.Equal(got, []int{5}) {
		t.Fatalf("claim after delivering 2 and 3 = %v, want [5]", got)
	}
}

func testOutboxRetry(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 0), outboxMsg("slack", "C1", 2, 0))
	msgs := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, msgs); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim = %v, want [1]", got)
	}
	id := msgs[0].ID
	next := at(time.Minute)
	if err := s.RetryOutbox(ctx, id, next, "slack: 429 rate limited"); err != nil {
		t.Fatalf("RetryOutbox: %v", err)
	}
	m := mustGetOutbox(t, s, id)
	if m.Status != storage.OutboxPending || m.Attempts != 1 || m.LastError != "slack: 429 rate limited" || !m.NextAttemptAt.Equal(next) {
		t.Errorf("after RetryOutbox: %+v; want pending, Attempts 1, the error, next attempt %v", m, next)
	}
	// Not before its time, and the channel's next message waits behind it.
	for _, now := range []time.Time{base, at(59 * time.Second)} {
		if got := mustClaim(t, s, now, time.Minute, 10); len(got) != 0 {
			t.Fatalf("claim at %v = %v, want none (1 is not due, 2 waits behind it)", now, ns(t, got))
		}
	}
	msgs = mustClaim(t, s, next, time.Minute, 10)
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Attempts != 2 {
		t.Fatalf("claim at the retry time = %s, want message 1 with Attempts 2", describe(msgs))
	}
	if err := s.MarkDelivered(ctx, id, next); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if got := ns(t, mustClaim(t, s, next, time.Minute, 10)); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim after delivering 1 = %v, want [2]", got)
	}
}

func testOutboxNotDueYet(t *testing.T, s storage.Store) {
	later := outboxMsg("slack", "C1", 1, 0)
	later.NextAttemptAt = at(time.Hour)
	mustEnqueue(t, s, later, outboxMsg("slack", "C2", 2, 0))
	now := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, now); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim at base = %v, want [2] only", got)
	}
	if err := s.MarkDelivered(ctxFor(t), now[0].ID, base); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if got := mustClaim(t, s, at(time.Hour-time.Microsecond), time.Minute, 10); len(got) != 0 {
		t.Fatalf("claim just before the due time = %v, want none", ns(t, got))
	}
	if got := ns(t, mustClaim(t, s, at(time.Hour), time.Minute, 10)); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim at the due time = %v, want [1]", got)
	}
}

func testOutboxLease(t *testing.T, s storage.Store) {
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 0), outboxMsg("slack", "C1", 2, 0))
	msgs := mustClaim(t, s, base, 30*time.Second, 10)
	if got := ns(t, msgs); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim = %v, want [1]", got)
	}
	id := msgs[0].ID
	if got := mustClaim(t, s, at(10*time.Second), 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("claim while leased = %v, want none", ns(t, got))
	}
	// The worker died: once the lease is over the message is claimable again.
	msgs = mustClaim(t, s, at(31*time.Second), 30*time.Second, 10)
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Attempts != 2 {
		t.Fatalf("claim after the lease = %s, want message 1 with Attempts 2", describe(msgs))
	}
	if got := mustClaim(t, s, at(40*time.Second), 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("claim under the new lease = %v, want none", ns(t, got))
	}
	if m := mustGetOutbox(t, s, id); m.Attempts != 2 || m.Status != storage.OutboxPending {
		t.Errorf("GetOutbox = Attempts %d Status %q, want 2 pending", m.Attempts, m.Status)
	}
}

func testOutboxKill(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 0), outboxMsg("slack", "C1", 2, 0))
	msgs := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, msgs); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim = %v, want [1]", got)
	}
	if err := s.KillOutbox(ctx, msgs[0].ID, "channel_not_found"); err != nil {
		t.Fatalf("KillOutbox: %v", err)
	}
	m := mustGetOutbox(t, s, msgs[0].ID)
	if m.Status != storage.OutboxDead || m.LastError != "channel_not_found" {
		t.Errorf("after KillOutbox: Status %q LastError %q, want dead channel_not_found", m.Status, m.LastError)
	}
	second := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, second); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim after the kill = %v, want [2]", got)
	}
	if err := s.KillOutbox(ctx, second[0].ID, "gone too"); err != nil {
		t.Fatalf("KillOutbox: %v", err)
	}
	// A stale worker giving up on it too changes nothing.
	if err := s.KillOutbox(ctx, second[0].ID, "stale"); err != nil {
		t.Errorf("KillOutbox of a dead message: %v, want nil", err)
	}
	if m := mustGetOutbox(t, s, second[0].ID); m.Status != storage.OutboxDead || m.LastError != "gone too" {
		t.Errorf("after a second kill: Status %q LastError %q, want dead, gone too", m.Status, m.LastError)
	}
	if got := mustClaim(t, s, at(time.Hour), time.Minute, 10); len(got) != 0 {
		t.Fatalf("a dead message came back: %s", describe(got))
	}
}

// testOutboxStaleWorker: a worker whose lease ran out, and whose message
// another worker has since delivered, must not turn it back to pending or
// kill it — that would send it twice or lose the record of delivery.
func testOutboxStaleWorker(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 0))
	stale := mustClaim(t, s, base, 30*time.Second, 10)
	fresh := mustClaim(t, s, at(31*time.Second), 30*time.Second, 10)
	if len(stale) != 1 || len(fresh) != 1 || stale[0].ID != fresh[0].ID {
		t.Fatalf("claims: %s then %s", describe(stale), describe(fresh))
	}
	id := fresh[0].ID
	if err := s.MarkDelivered(ctx, id, at(32*time.Second)); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if err := s.RetryOutbox(ctx, id, at(40*time.Second), "late failure"); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("RetryOutbox of a delivered message = %v, want ErrConflict", err)
	}
	if err := s.KillOutbox(ctx, id, "late failure"); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("KillOutbox of a delivered message = %v, want ErrConflict", err)
	}
	if err := s.MarkDelivered(ctx, id, at(41*time.Second)); err != nil {
		t.Errorf("MarkDelivered twice = %v, want nil", err)
	}
	if m := mustGetOutbox(t, s, id); m.Status != storage.OutboxDelivered {
		t.Fatalf("status %q, want delivered", m.Status)
	}
	if got := mustClaim(t, s, at(time.Hour), 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("a delivered message came back: %s", describe(got))
	}
	if err := s.RetryOutbox(ctx, 999999, base, "x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("RetryOutbox of a missing message = %v, want ErrNotFound", err)
	}
}

func testOutboxLimit(t *testing.T, s storage.Store) {
	for i := 1; i <= 5; i++ {
		mustEnqueue(t, s, outboxMsg("slack", fmt.Sprintf("C%d", i), i, 0))
	}
	got := mustClaim(t, s, base, time.Minute, 2)
	if len(got) != 2 {
		t.Fatalf("claim(limit 2) = %v, want 2 messages", ns(t, got))
	}
	seen := map[int]bool{}
	for _, m := range got {
		seen[payloadN(t, m)] = true
	}
	rest := mustClaim(t, s, base, time.Minute, 10)
	if len(rest) != 3 {
		t.Fatalf("claim of the rest = %v, want 3 messages", ns(t, rest))
	}
	for _, m := range rest {
		if n := payloadN(t, m); seen[n] {
			t.Errorf("message %d claimed twice", n)
		}
	}
}

func testOutboxConcurrentWorkers(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	type key struct{ platform, channel string }
	var (
		channels []key
		total    int
	)
	for _, p := range []string{"slack", "discord"} {
		for c := range 3 {
			channels = append(channels, key{p, fmt.Sprintf("C%d", c)})
		}
	}
	// Interleave channels so that IDs of one channel are not contiguous.
	var batch []storage.OutboxMessage
	for i := range 8 {
		for _, k := range channels {
			total++
			batch = append(batch, outboxMsg(k.platform, k.channel, total, 0))
		}
		if i%2 == 1 {
			mustEnqueue(t, s, batch...)
			batch = nil
		}
	}

	var (
		mu        sync.Mutex
		claimed   = map[int64]int{}   // id → times claimed
		order     = map[key][]int64{} // delivery order per channel
		inFlight  = map[key]int64{}   // channel → message being delivered
		delivered atomic.Int64
		wg        sync.WaitGroup
		errs      = make(chan error, 100)
	)
	report := func(err error) {
		select {
		case errs <- err:
		default: // enough errors already
		}
	}
	deadline := time.Now().Add(time.Minute)
	for w := range 2 {
		wg.Go(func() {
			for delivered.Load() < int64(total) {
				if time.Now().After(deadline) {
					report(fmt.Errorf("worker %d: gave up with %d of %d delivered", w, delivered.Load(), total))
					return
				}
				msgs, err := s.ClaimOutbox(ctx, base, 10*time.Minute, 3)
				if err != nil {
					report(fmt.Errorf("worker %d: ClaimOutbox: %w", w, err))
					return
				}
				if len(msgs) == 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				mu.Lock()
				for _, m := range msgs {
					k := key{m.Platform, m.Channel}
					claimed[m.ID]++
					if claimed[m.ID] > 1 {
						report(fmt.Errorf("worker %d: message %d claimed again", w, m.ID))
					}
					if other, busy := inFlight[k]; busy {
						report(fmt.Errorf("worker %d: got message %d of %v while %d is in flight", w, m.ID, k, other))
					}
					inFlight[k] = m.ID
					order[k] = append(order[k], m.ID)
				}
				mu.Unlock()
				for _, m := range msgs {
					// Release the channel before the delivery commits: a
					// claim that sees the next message must come after.
					mu.Lock()
					delete(inFlight, key{m.Platform, m.Channel})
					mu.Unlock()
					if err := s.MarkDelivered(ctx, m.ID, base); err != nil {
						report(fmt.Errorf("worker %d: MarkDelivered(%d): %w", w, m.ID, err))
						return
					}
					delivered.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if len(claimed) != total {
		t.Errorf("%d distinct messages claimed, want %d", len(claimed), total)
	}
	for k, ids := range order {
		if !slices.IsSorted(ids) {
			t.Errorf("channel %v delivered out of order: %v", k, ids)
		}
		if len(ids) != 8 {
			t.Errorf("channel %v: %d deliveries, want 8", k, len(ids))
		}
	}
	for id := range claimed {
		m := mustGetOutbox(t, s, id)
		if m.Status != storage.OutboxDelivered || m.Attempts != 1 {
			t.Errorf("message %d: Status %q Attempts %d, want delivered 1", id, m.Status, m.Attempts)
		}
	}
	if st, err := s.OutboxStats(ctx); err != nil || pendingTotal(st) != 0 {
		t.Errorf("OutboxStats after delivering everything = %+v, %v; want nothing pending", st, err)
	}
}

func testOutboxStats(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	st, err := s.OutboxStats(ctx)
	if err != nil || len(st) != 0 {
		t.Fatalf("OutboxStats of an empty outbox = %+v, %v; want none", st, err)
	}
	mustEnqueue(t, s,
		outboxMsg("slack", "C1", 30, 0),
		outboxMsg("slack", "C2", 10, 0),
		outboxMsg("slack", "C1", 20, 0),
		outboxMsg("discord", "D1", 50, 0),
	)
	check := func(when string, want map[string]storage.OutboxStat) {
		t.Helper()
		st, err := s.OutboxStats(ctx)
		if err != nil {
			t.Fatalf("OutboxStats %s: %v", when, err)
		}
		got := map[string]storage.OutboxStat{}
		for _, s := range st {
			if _, dup := got[s.Platform]; dup {
				t.Errorf("OutboxStats %s: platform %q twice", when, s.Platform)
			}
			if s.Pending > 0 {
				got[s.Platform] = s
			}
		}
		if len(got) != len(want) {
			t.Errorf("OutboxStats %s = %+v, want %+v", when, st, want)
		}
		for p, w := range want {
			g, ok := got[p]
			if !ok || g.Pending != w.Pending || !g.OldestPending.Equal(w.OldestPending) {
				t.Errorf("OutboxStats %s for %s = %+v, want %+v", when, p, g, w)
			}
		}
	}
	check("after enqueue", map[string]storage.OutboxStat{
		"slack":   {Platform: "slack", Pending: 3, OldestPending: at(10 * time.Millisecond)},
		"discord": {Platform: "discord", Pending: 1, OldestPending: at(50 * time.Millisecond)},
	})
	// Leased messages are still pending; delivered ones are not.
	msgs := mustClaim(t, s, base, time.Minute, 10)
	check("while leased", map[string]storage.OutboxStat{
		"slack":   {Platform: "slack", Pending: 3, OldestPending: at(10 * time.Millisecond)},
		"discord": {Platform: "discord", Pending: 1, OldestPending: at(50 * time.Millisecond)},
	})
	for _, m := range msgs {
		if m.Platform != "slack" {
			continue
		}
		if err := s.MarkDelivered(ctx, m.ID, base); err != nil {
			t.Fatalf("MarkDelivered: %v", err)
		}
	}
	check("after delivering the slack heads", map[string]storage.OutboxStat{
		"slack":   {Platform: "slack", Pending: 1, OldestPending: at(20 * time.Millisecond)},
		"discord": {Platform: "discord", Pending: 1, OldestPending: at(50 * time.Millisecond)},
	})
	for _, m := range msgs {
		if m.Platform == "discord" {
			if err := s.KillOutbox(ctx, m.ID, "gone"); err != nil {
				t.Fatalf("KillOutbox: %v", err)
			}
		}
	}
	check("after killing the discord one", map[string]storage.OutboxStat{
		"slack": {Platform: "slack", Pending: 1, OldestPending: at(20 * time.Millisecond)},
	})
}

// drain empties s's wake channel.
func drain(s storage.Store) {
	for {
		select {
		case <-s.OutboxWake():
		default:
			return
		}
	}
}

func waitWake(t *testing.T, s storage.Store) {
	t.Helper()
	select {
	case <-s.OutboxWake():
	case <-time.After(10 * time.Second):
		t.Fatal("OutboxWake did not fire within 10s of an enqueue commit")
	}
}

func testOutboxWake(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	drain(s)
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.EnqueueOutbox(ctx, outboxMsg("slack", "C1", 1, 0))
	})
	if err != nil {
		t.Fatalf("InTx EnqueueOutbox: %v", err)
	}
	waitWake(t, s)
	// Outside a transaction too.
	drain(s)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 2, 0))
	waitWake(t, s)
	// Many enqueues coalesce: the channel never blocks a committer.
	for i := range 20 {
		mustEnqueue(t, s, outboxMsg("slack", "C2", 10+i, 0))
	}
	waitWake(t, s)
}

// ---- message refs ----

func testMessageRefs(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	ref := storage.MessageRef{Platform: "slack", ChannelID: "C1", MessageID: "1712345678.000100"}
	if err := s.PutMessageRef(ctx, "INC-7/card", ref); err != nil {
		t.Fatalf("PutMessageRef: %v", err)
	}
	if err := s.PutMessageRef(ctx, "INC-7/checkin", storage.MessageRef{Platform: "discord", ChannelID: "9", MessageID: "10"}); err != nil {
		t.Fatalf("PutMessageRef: %v", err)
	}
	got, err := s.GetMessageRef(ctx, "INC-7/card")
	if err != nil || got != ref {
		t.Fatalf("GetMessageRef = %+v, %v; want %+v", got, err, ref)
	}
	repl := storage.MessageRef{Platform: "slack", ChannelID: "C2", MessageID: "1712345679.000200"}
	if err := s.PutMessageRef(ctx, "INC-7/card", repl); err != nil {
		t.Fatalf("PutMessageRef replace: %v", err)
	}
	got, err = s.GetMessageRef(ctx, "INC-7/card")
	if err != nil || got != repl {
		t.Fatalf("GetMessageRef after replace = %+v, %v; want %+v", got, err, repl)
	}
	got, err = s.GetMessageRef(ctx, "INC-7/checkin")
	if err != nil || got.MessageID != "10" {
		t.Fatalf("GetMessageRef of the other key = %+v, %v", got, err)
	}
	_, err = s.GetMessageRef(ctx, "INC-8/card")
	isNotFound(t, "GetMessageRef of a missing key", err)
}

// ---- dedupe ----

func testDedupe(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	if err := s.ClaimDedupe(ctx, "slack:Ev1", base, at(time.Hour)); err != nil {
		t.Fatalf("first ClaimDedupe: %v", err)
	}
	isConflict(t, "second ClaimDedupe", s.ClaimDedupe(ctx, "slack:Ev1", at(time.Minute), at(time.Hour+time.Minute)))
	isConflict(t, "ClaimDedupe just before expiry", s.ClaimDedupe(ctx, "slack:Ev1", at(time.Hour-time.Second), at(2*time.Hour)))
	if err := s.ClaimDedupe(ctx, "discord:Ev1", base, at(time.Hour)); err != nil {
		t.Fatalf("ClaimDedupe of another key: %v", err)
	}
	// After expiry the key can be claimed again, for a new period.
	if err := s.ClaimDedupe(ctx, "slack:Ev1", at(time.Hour+time.Second), at(3*time.Hour)); err != nil {
		t.Fatalf("ClaimDedupe after expiry: %v", err)
	}
	isConflict(t, "ClaimDedupe within the new period", s.ClaimDedupe(ctx, "slack:Ev1", at(2*time.Hour), at(4*time.Hour)))
	if err := s.ClaimDedupe(ctx, "slack:Ev2", base, at(5*time.Hour)); err != nil {
		t.Fatalf("ClaimDedupe: %v", err)
	}
	// At base+4h, discord:Ev1 (base+1h) and slack:Ev1 (base+3h) have expired.
	n, err := s.PruneDedupe(ctx, at(4*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PruneDedupe = %d, %v; want 2", n, err)
	}
	n, err = s.PruneDedupe(ctx, at(4*time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("second PruneDedupe = %d, %v; want 0", n, err)
	}
	isConflict(t, "ClaimDedupe of a key that survived pruning", s.ClaimDedupe(ctx, "slack:Ev2", at(4*time.Hour), at(6*time.Hour)))
	if err := s.ClaimDedupe(ctx, "slack:Ev1", at(4*time.Hour), at(6*time.Hour)); err != nil {
		t.Fatalf("ClaimDedupe of a pruned key: %v", err)
	}
	// In a transaction as well.
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.ClaimDedupe(ctx, "slack:Ev2", at(4*time.Hour), at(6*time.Hour))
	})
	isConflict(t, "ClaimDedupe in InTx", err)
}

// ---- audit ----

func testAudit(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	b := mustCreate(t, s, newIncident("b", base))
	entries := []storage.AuditEntry{
		{At: at(time.Second), IncidentID: a.ID, Actor: alice, Action: "action.run", Subject: "run-1", Step: "requested",
			Detail: map[string]any{"action": "rollback", "params": map[string]any{"service": "checkout"}}},
		{At: at(2*time.Second + 5*time.Microsecond), IncidentID: a.ID, Actor: alice, Action: "action.run", Subject: "run-1", Step: "finished",
			Outcome: "succeeded", Duration: 1500 * time.Millisecond},
		{At: at(3 * time.Second), IncidentID: b.ID, Actor: bob, Action: "action.run", Subject: "run-2", Step: "denied", Outcome: "not permitted"},
		{At: at(4 * time.Second), Actor: carol, Action: "command.resolve", Subject: "cmd", Step: "requested", Detail: map[string]any{}},
	}
	var ids []int64
	for i, e := range entries {
		id, err := s.AppendAudit(ctx, e)
		if err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
		if id <= 0 || (len(ids) > 0 && id <= ids[len(ids)-1]) {
			t.Fatalf("AppendAudit %d returned ID %d after %v: want increasing IDs", i, id, ids)
		}
		ids = append(ids, id)
		entries[i].ID = id
	}
	all, err := s.ListAudit(ctx, storage.AuditFilter{})
	if err != nil || len(all) != 4 {
		t.Fatalf("ListAudit = %d, %v; want 4", len(all), err)
	}
	for i := range entries {
		w, g := entries[i], all[i]
		if g.ID != w.ID || !g.At.Equal(w.At) || g.IncidentID != w.IncidentID || g.Actor != w.Actor ||
			g.Action != w.Action || g.Subject != w.Subject || g.Step != w.Step || g.Outcome != w.Outcome || g.Duration != w.Duration {
			t.Errorf("audit row %d = %+v, want %+v", i, g, w)
		}
		if len(w.Detail) == 0 {
			if len(g.Detail) != 0 {
				t.Errorf("audit row %d Detail = %v, want empty", i, g.Detail)
			}
		} else if !reflect.DeepEqual(g.Detail, w.Detail) {
			t.Errorf("audit row %d Detail = %#v, want %#v", i, g.Detail, w.Detail)
		}
	}
	cases := []struct {
		name string
		f    storage.AuditFilter
		want []int64
	}{
		{"incident a", storage.AuditFilter{IncidentID: a.ID}, ids[0:2]},
		{"incident b", storage.AuditFilter{IncidentID: b.ID}, ids[2:3]},
		{"subject run-1", storage.AuditFilter{Subject: "run-1"}, ids[0:2]},
		{"incident b, subject run-1", storage.AuditFilter{IncidentID: b.ID, Subject: "run-1"}, nil},
		{"after the second", storage.AuditFilter{AfterID: ids[1]}, ids[2:4]},
		{"limit", storage.AuditFilter{Limit: 2}, ids[0:2]},
		{"after and limit", storage.AuditFilter{AfterID: ids[0], Limit: 2}, ids[1:3]},
		{"after the last", storage.AuditFilter{AfterID: ids[3]}, nil},
	}
	for _, tc := range cases {
		got, err := s.ListAudit(ctx, tc.f)
		if err != nil {
			t.Errorf("%s: ListAudit: %v", tc.name, err)
			continue
		}
		gotIDs := []int64{}
		for _, e := range got {
			gotIDs = append(gotIDs, e.ID)
		}
		if len(gotIDs) != len(tc.want) || (len(gotIDs) > 0 && !slices.Equal(gotIDs, tc.want)) {
			t.Errorf("%s: ListAudit IDs = %v, want %v", tc.name, gotIDs, tc.want)
		}
	}
}
