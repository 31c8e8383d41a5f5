package storagetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

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
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "CINC1"}
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
	ch := incident.ChannelRef{Platform: "discord", ChannelID: "998877"}
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
	_, err = s.GetIncidentByChannel(ctx, incident.ChannelRef{Platform: "slack", ChannelID: "998877"})
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
	_, err = s.GetIncidentByChannel(ctx, incident.ChannelRef{Platform: "slack", ChannelID: "CNONE"})
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
