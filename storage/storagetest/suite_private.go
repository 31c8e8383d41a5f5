package storagetest

import (
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// testPrivateIncidents: Private is stored and updated like every field,
// and HidePrivate leaves private incidents out of lists and counts (the
// pages a signed list link opens must not show them).
func testPrivateIncidents(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	pub := mustCreate(t, s, newIncident("public", base))
	priv := newIncident("private", at(time.Minute))
	priv.Private = true
	mustCreate(t, s, priv)
	if got := mustGet(t, s, priv.ID); !got.Private {
		t.Fatalf("Private not stored: %+v", got)
	}
	if got := mustGet(t, s, pub.ID); got.Private {
		t.Fatalf("a public incident reads back private")
	}
	// UpdateIncident saves it, both ways.
	pub.Private = true
	if err := s.UpdateIncident(ctx, pub); err != nil {
		t.Fatal(err)
	}
	checkIncident(t, pub, mustGet(t, s, pub.ID))
	pub.Private = false
	if err := s.UpdateIncident(ctx, pub); err != nil {
		t.Fatal(err)
	}
	checkIncident(t, pub, mustGet(t, s, pub.ID))

	all, err := s.ListIncidents(ctx, storage.IncidentFilter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("ListIncidents = %d, %v; want both", len(all), err)
	}
	shown, err := s.ListIncidents(ctx, storage.IncidentFilter{HidePrivate: true})
	if err != nil || len(shown) != 1 || shown[0].ID != pub.ID {
		t.Fatalf("ListIncidents(HidePrivate) = %v, %v; want only %d", shown, err, pub.ID)
	}
	if n, err := s.CountIncidents(ctx, storage.IncidentFilter{HidePrivate: true}); err != nil || n != 1 {
		t.Errorf("CountIncidents(HidePrivate) = %d, %v; want 1", n, err)
	}
	if n, err := s.CountIncidents(ctx, storage.IncidentFilter{}); err != nil || n != 2 {
		t.Errorf("CountIncidents = %d, %v; want 2", n, err)
	}
}
