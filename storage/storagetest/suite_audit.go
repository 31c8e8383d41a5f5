package storagetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

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
