package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// auditOf lists an incident's audit rows.
func (h *harness) auditOf(key string) []storage.AuditEntry {
	h.t.Helper()
	inc, err := h.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	rows, err := h.store.ListAudit(context.Background(), storage.AuditFilter{IncidentID: inc.ID})
	if err != nil {
		h.t.Fatal(err)
	}
	return rows
}

func (h *harness) lead(key string) incident.Actor {
	h.t.Helper()
	inc, err := h.store.GetIncidentByKey(context.Background(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return inc.Lead
}

// Naming the lead is guarded like resolve and sev: typed in the channel or
// elsewhere with the key, a member who is neither lead nor declarer cannot
// make themselves (or anyone) lead, and the refusal is explained, on the
// timeline and in the audit.
func TestLeadNeedsPermission(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev1 Checkout errors")

		r := h.do(bob, ch, "lead <@U2>")
		if !r.Error || !strings.Contains(r.Message.Fallback, "Only the lead or whoever declared it may name the lead of "+key) {
			t.Fatalf("bob made himself lead: %q", r.Message.Fallback)
		}
		r = h.do(bob, lobby, key+" lead <@U2>")
		if !r.Error || !strings.Contains(r.Message.Fallback, "may name the lead of "+key) {
			t.Fatalf("bob made himself lead from another channel: %q", r.Message.Fallback)
		}
		r = h.do(bob, ch, "lead <@U3>")
		if !r.Error {
			t.Fatalf("bob named carol lead: %q", r.Message.Fallback)
		}
		if got := h.lead(key); !got.Same(alice) {
			t.Fatalf("lead is %s, want alice still", got.Ref())
		}
		evs := h.events(key)
		if got := kinds(evs); got != "declared/typed permission_denied/typed permission_denied/typed permission_denied/typed" {
			t.Fatalf("timeline: %s", got)
		}
		if !evs[1].Actor.Same(bob) {
			t.Fatalf("refusal recorded for %+v", evs[1].Actor)
		}
		audit := h.auditOf(key)
		if len(audit) != 3 || audit[0].Step != "denied" || !audit[0].Actor.Same(bob) {
			t.Fatalf("audit: %+v", audit)
		}
	})
}

// The lead, the declarer and an allowed group member may all name the lead;
// every change is on the timeline and in the audit with who, from and to.
func TestLeadReassignedByLeadAndGroup(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{
			Permissions: bot.Permissions{Lead: []string{"lead", "group:sre"}},
			Groups:      incident.Groups{"sre": {"slack:U3"}},
		})
		key, ch := h.declare(alice, "declare sev1 Checkout errors")
		if r := h.do(alice, ch, "lead <@U2|bob>"); r.Error {
			t.Fatalf("the lead could not hand over: %s", r.Message.Fallback)
		}
		if r := h.do(carol, lobby, key+" lead <@U3|carol>"); r.Error {
			t.Fatalf("an sre member could not take the lead: %s", r.Message.Fallback)
		}
		if r := h.do(alice, ch, "lead <@U1>"); !r.Error {
			t.Fatal("alice, no longer lead and not in sre, named the lead")
		}
		if got := h.lead(key); !got.Same(carol) {
			t.Fatalf("lead is %s, want carol", got.Ref())
		}
		var changes []incident.Event
		for _, ev := range h.events(key) {
			if ev.Kind == incident.KindLeadAssigned {
				changes = append(changes, ev)
			}
		}
		if len(changes) != 2 {
			t.Fatalf("lead changes on the timeline: %+v", changes)
		}
		for i, want := range [][3]string{{"slack:U1", "slack:U1", "slack:U2"}, {"slack:U3", "slack:U2", "slack:U3"}} {
			ev := changes[i]
			if ev.Actor.Ref() != want[0] || ev.Data["from"] != want[1] || ev.Data["to"] != want[2] {
				t.Errorf("change %d: by %s data %v, want by %s from %s to %s", i, ev.Actor.Ref(), ev.Data, want[0], want[1], want[2])
			}
		}
		var rows []storage.AuditEntry
		for _, a := range h.auditOf(key) {
			if a.Step != "denied" {
				rows = append(rows, a)
			}
		}
		if len(rows) != 2 {
			t.Fatalf("audit of role changes: %+v", rows)
		}
		for i, want := range [][3]string{{"slack:U1", "slack:U1", "slack:U2"}, {"slack:U3", "slack:U2", "slack:U3"}} {
			a := rows[i]
			if a.Action != "role.lead" || a.Subject != key || a.Actor.Ref() != want[0] || a.Detail["from"] != want[1] || a.Detail["to"] != want[2] {
				t.Errorf("audit row %d: %+v, want role.lead on %s by %s from %s to %s", i, a, key, want[0], want[1], want[2])
			}
		}
	})
}

// An incident nobody leads (declared by the system) can be claimed: anyone
// may name themselves lead, but not someone else, and once there is a lead
// the rule is the configured one again.
func TestLeaderlessIncidentCanBeClaimed(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		ctx := context.Background()
		inc, ev, err := incident.Declare(t0, incident.System, incident.Sev2, "Error budget burning")
		if err != nil {
			t.Fatal(err)
		}
		ch := incident.ChannelRef{Platform: "slack", ChannelID: "CALERT"}
		if err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			if err := q.CreateIncident(ctx, inc); err != nil {
				return err
			}
			if _, err := q.AppendEvents(ctx, inc.ID, ev.WithSource(incident.SourceSystem)); err != nil {
				return err
			}
			return q.AddIncidentChannel(ctx, inc.ID, ch)
		}); err != nil {
			t.Fatal(err)
		}
		if r := h.do(carol, ch, "lead <@U2>"); !r.Error {
			t.Fatal("carol named bob lead of a leaderless incident without permission")
		}
		if r := h.do(bob, ch, "lead <@U2>"); r.Error {
			t.Fatalf("bob could not claim a leaderless incident: %s", r.Message.Fallback)
		}
		if r := h.do(carol, ch, "lead <@U3>"); !r.Error {
			t.Fatal("carol took the lead from bob without permission")
		}
		if got := h.lead(inc.Key); !got.Same(bob) {
			t.Fatalf("lead is %s, want bob", got.Ref())
		}
		if got := kinds(h.events(inc.Key)); got != "declared/system permission_denied/typed lead_assigned/typed permission_denied/typed" {
			t.Fatalf("timeline: %s", got)
		}
	})
}
