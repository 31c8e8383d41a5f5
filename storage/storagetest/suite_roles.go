package storagetest

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// checkRoles reports a difference in the role holders of an incident; no
// holder at all reads the same whether nil or empty.
func checkRoles(t *testing.T, want, got map[string]incident.Actor) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if !maps.Equal(want, got) {
		t.Errorf("Roles: got %v, want %v", got, want)
	}
}

// testIncidentRoles: the holders of incident roles are saved with the
// incident (created with some, given and taken by updates), come back by
// every lookup and in lists, and one incident's roles are not another's.
func testIncidentRoles(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := newIncident("Checkout errors", base)
	inc.Roles = map[string]incident.Actor{"comms": bob, "scribe": {Platform: "discord", ID: "81234567890123456", Name: "ünïcode \"quoted\""}}
	mustCreate(t, s, inc)
	other := mustCreate(t, s, newIncident("Unrelated", at(time.Minute)))
	got := mustGet(t, s, inc.ID)
	checkIncident(t, inc, got)
	if len(mustGet(t, s, other.ID).Roles) != 0 {
		t.Errorf("an incident created without roles has %v", mustGet(t, s, other.ID).Roles)
	}

	ch := incident.ChannelRef{Platform: "slack", ChannelID: "CROLES"}
	if err := s.AddIncidentChannel(ctx, inc.ID, ch); err != nil {
		t.Fatal(err)
	}
	upd := *got
	upd.Roles = map[string]incident.Actor{"comms": carol, "ops": alice}
	if err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		locked, err := q.GetIncidentForUpdate(ctx, inc.ID)
		if err != nil {
			return err
		}
		checkRoles(t, inc.Roles, locked.Roles)
		return q.UpdateIncident(ctx, &upd)
	}); err != nil {
		t.Fatalf("UpdateIncident: %v", err)
	}
	checkIncident(t, &upd, mustGet(t, s, inc.ID))
	byCh, err := s.GetIncidentByChannel(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	checkRoles(t, upd.Roles, byCh.Roles)
	list, err := s.ListIncidents(ctx, storage.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		switch l.ID {
		case inc.ID:
			checkRoles(t, upd.Roles, l.Roles)
		case other.ID:
			checkRoles(t, nil, l.Roles)
		}
	}

	// Every role given up.
	upd.Roles = nil
	if err := s.UpdateIncident(ctx, &upd); err != nil {
		t.Fatal(err)
	}
	if r := mustGet(t, s, inc.ID).Roles; len(r) != 0 {
		t.Errorf("roles after clearing all: %v", r)
	}
	checkIncident(t, other, mustGet(t, s, other.ID))
}
