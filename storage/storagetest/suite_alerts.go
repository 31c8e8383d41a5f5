package storagetest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// alertTests is the conformance suite of storage.AlertStore.
var alertTests = []storeTest{
	{"ReceiveDedupesByHash", testAlertReceiveDedupe},
	{"ClaimAndRoute", testAlertClaimAndRoute},
	{"ConcurrentClaims", testAlertConcurrentClaims},
	{"IncidentAlerts", testIncidentAlerts},
}

func receive(t *testing.T, q storage.Querier, key, status, hash string, when time.Time) (storage.AlertGroup, bool) {
	t.Helper()
	g := storage.AlertGroup{Source: "alertmanager", GroupKey: key, Status: status, Hash: hash,
		Payload: []byte(`{"status":"` + status + `","hash":"` + hash + `"}`), ReceivedAt: when}
	changed, err := q.ReceiveAlertGroup(ctxFor(t), &g)
	if err != nil {
		t.Fatalf("ReceiveAlertGroup: %v", err)
	}
	return g, changed
}

func testAlertReceiveDedupe(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	g1, changed := receive(t, s, `{}:{alertname="A"}`, "firing", "h1", at(0))
	if !changed || g1.ID <= 0 || g1.Version != 1 {
		t.Fatalf("first delivery: changed %v, %+v", changed, g1)
	}
	again, changed := receive(t, s, `{}:{alertname="A"}`, "firing", "h1", at(time.Minute))
	if changed || again.ID != g1.ID || again.Version != 1 {
		t.Errorf("a retry with the same hash: changed %v, %+v", changed, again)
	}
	other, changed := receive(t, s, `{}:{alertname="B"}`, "firing", "h1", at(time.Minute))
	if !changed || other.ID == g1.ID {
		t.Errorf("another group with the same hash was taken for the first: %v %+v", changed, other)
	}
	upd, changed := receive(t, s, `{}:{alertname="A"}`, "resolved", "h2", at(2*time.Minute))
	if !changed || upd.ID != g1.ID || upd.Version != 2 {
		t.Errorf("a changed delivery: changed %v, %+v", changed, upd)
	}
	got, err := s.GetAlertGroup(ctx, g1.ID)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]string
	if err := json.Unmarshal(got.Payload, &p); err != nil || p["hash"] != "h2" {
		t.Errorf("payload %s (%v), want the latest", got.Payload, err)
	}
	if got.Status != "resolved" || got.Hash != "h2" || got.Version != 2 || got.RoutedVersion != 0 ||
		!got.ReceivedAt.Equal(at(2*time.Minute)) || got.IncidentID != 0 || got.Decision != "" {
		t.Errorf("stored %+v", got)
	}
	_, err = s.GetAlertGroup(ctx, 999999)
	isNotFound(t, "GetAlertGroup of a missing group", err)
}

func testAlertClaimAndRoute(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("a", base))
	a, _ := receive(t, s, "a", "firing", "h1", at(0))
	b, _ := receive(t, s, "b", "firing", "h1", at(time.Minute))
	var claimed []storage.AlertGroup
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		var err error
		claimed, err = q.ClaimAlertGroups(ctx, 10)
		if err != nil {
			return err
		}
		for _, g := range claimed {
			g.RoutedVersion, g.Decision, g.UpdatedAt = g.Version, "proposed", at(2*time.Minute)
			if g.ID == b.ID {
				g.IncidentID, g.Decision = inc.ID, "attached"
			}
			if err := q.RouteAlertGroup(ctx, g); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 2 || claimed[0].ID != a.ID || claimed[1].ID != b.ID {
		t.Fatalf("claimed %+v, want a then b", claimed)
	}
	if again, err := s.ClaimAlertGroups(ctx, 10); err != nil || len(again) != 0 {
		t.Errorf("routed groups claimed again: %+v, %v", again, err)
	}
	gb, err := s.GetAlertGroup(ctx, b.ID)
	if err != nil || gb.IncidentID != inc.ID || gb.Decision != "attached" || gb.RoutedVersion != 1 {
		t.Errorf("routed b = %+v, %v", gb, err)
	}
	// A new delivery makes a routed group wait again; a repeat does not.
	receive(t, s, "a", "firing", "h1", at(3*time.Minute))
	if again, _ := s.ClaimAlertGroups(ctx, 10); len(again) != 0 {
		t.Errorf("a repeat made the group wait for routing")
	}
	receive(t, s, "a", "resolved", "h2", at(3*time.Minute))
	if again, _ := s.ClaimAlertGroups(ctx, 10); len(again) != 1 || again[0].ID != a.ID || again[0].Version != 2 {
		t.Errorf("a changed group: claimed %+v", again)
	}
	if none, err := s.ClaimAlertGroups(ctx, 0); err != nil || len(none) != 0 {
		t.Errorf("limit 0: %v %v", none, err)
	}
	missing := storage.AlertGroup{ID: 999999, UpdatedAt: base}
	isNotFound(t, "RouteAlertGroup of a missing group", s.RouteAlertGroup(ctx, missing))
}

func testAlertConcurrentClaims(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	for _, k := range []string{"a", "b", "c", "d"} {
		receive(t, s, k, "firing", "h", at(0))
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
				gs, err := q.ClaimAlertGroups(ctx, 1)
				if err != nil {
					return err
				}
				for _, g := range gs {
					mu.Lock()
					seen[g.ID]++
					mu.Unlock()
					g.RoutedVersion, g.UpdatedAt = g.Version, at(time.Minute)
					if err := q.RouteAlertGroup(ctx, g); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for id, n := range seen {
		if n != 1 {
			t.Errorf("group %d claimed %d times", id, n)
		}
	}
}

func testIncidentAlerts(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("a", base))
	g, _ := receive(t, s, "a", "firing", "h", at(0))
	put := func(fp, status string, starts time.Time) {
		t.Helper()
		if err := s.PutIncidentAlert(ctx, storage.IncidentAlert{IncidentID: inc.ID, Fingerprint: fp, GroupID: g.ID,
			Name: "HighErrorRate", Status: status, StartsAt: starts, UpdatedAt: at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	put("fp2", "firing", at(-2*time.Minute))
	put("fp1", "firing", at(-5*time.Minute))
	put("fp2", "resolved", at(-2*time.Minute))
	got, err := s.ListIncidentAlerts(ctx, inc.ID)
	if err != nil || len(got) != 2 {
		t.Fatalf("ListIncidentAlerts = %+v, %v", got, err)
	}
	if got[0].Fingerprint != "fp1" || got[0].Status != "firing" || !got[0].StartsAt.Equal(at(-5*time.Minute)) ||
		got[1].Fingerprint != "fp2" || got[1].Status != "resolved" || got[1].Name != "HighErrorRate" || got[1].GroupID != g.ID {
		t.Errorf("alerts %+v", got)
	}
	err = s.PutIncidentAlert(ctx, storage.IncidentAlert{IncidentID: 999999, Fingerprint: "x", GroupID: g.ID, Status: "firing",
		StartsAt: base, UpdatedAt: base})
	isNotFound(t, "an alert of a missing incident", err)
	if none, err := s.ListIncidentAlerts(ctx, 999999); err != nil || len(none) != 0 {
		t.Errorf("alerts of a missing incident: %v %v", none, err)
	}
}
