package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// testBorrowedChannels: a channel an incident borrowed (declare here) is
// given back when it is released: the incident keeps it among its
// Channels (its late messages still go there), but GetIncidentByChannel
// no longer finds it there, and another incident may bind the channel.
// A channel the incident owns is never released.
func testBorrowedChannels(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	b := mustCreate(t, s, newIncident("b", at(time.Minute)))
	room := incident.ChannelRef{Platform: "slack", ChannelID: "CINCIDENTS"}
	own := incident.ChannelRef{Platform: "slack", ChannelID: "CINC1"}
	if err := s.BorrowIncidentChannel(ctx, a.ID, room); err != nil {
		t.Fatalf("BorrowIncidentChannel: %v", err)
	}
	if err := s.BorrowIncidentChannel(ctx, a.ID, room); err != nil {
		t.Errorf("BorrowIncidentChannel again to the same incident: %v", err)
	}
	if err := s.AddIncidentChannel(ctx, a.ID, own); err != nil {
		t.Fatalf("AddIncidentChannel: %v", err)
	}
	// Borrowed or owned, a bound channel is a conflict for another incident.
	isConflict(t, "BorrowIncidentChannel of a bound channel", s.BorrowIncidentChannel(ctx, b.ID, room))
	isConflict(t, "AddIncidentChannel of a borrowed channel", s.AddIncidentChannel(ctx, b.ID, room))
	if got, err := s.GetIncidentByChannel(ctx, room); err != nil || got.ID != a.ID {
		t.Fatalf("GetIncidentByChannel(borrowed) = %v, %v; want %d", got, err, a.ID)
	}

	_, err := s.LastIncidentOfChannel(ctx, room)
	isNotFound(t, "LastIncidentOfChannel before any release", err)
	released, err := s.ReleaseIncidentChannels(ctx, a.ID, at(time.Hour))
	if err != nil {
		t.Fatalf("ReleaseIncidentChannels: %v", err)
	}
	checkChannels(t, released, []incident.ChannelRef{room})
	if again, err := s.ReleaseIncidentChannels(ctx, a.ID, at(2*time.Hour)); err != nil || len(again) != 0 {
		t.Errorf("ReleaseIncidentChannels again = %v, %v; want none", again, err)
	}
	// Still among a's channels, in binding order, so its messages reach it.
	checkChannels(t, mustGet(t, s, a.ID).Channels, []incident.ChannelRef{room, own})
	_, err = s.GetIncidentByChannel(ctx, room)
	isNotFound(t, "GetIncidentByChannel of a released channel", err)
	if last, err := s.LastIncidentOfChannel(ctx, room); err != nil || last.ID != a.ID {
		t.Errorf("LastIncidentOfChannel = %v, %v; want %d", last, err, a.ID)
	}
	_, err = s.LastIncidentOfChannel(ctx, own)
	isNotFound(t, "LastIncidentOfChannel of a channel never released", err)
	if got, err := s.GetIncidentByChannel(ctx, own); err != nil || got.ID != a.ID {
		t.Errorf("GetIncidentByChannel(own) = %v, %v; the owned channel stays a's", got, err)
	}
	// Binding the released channel to a again changes nothing: a resolved
	// incident does not take a channel back.
	if err := s.BorrowIncidentChannel(ctx, a.ID, room); err != nil {
		t.Errorf("BorrowIncidentChannel of a channel a released: %v", err)
	}
	_, err = s.GetIncidentByChannel(ctx, room)
	isNotFound(t, "GetIncidentByChannel after binding a released channel again", err)

	// Now b may borrow it, inside a transaction too; a keeps it as well.
	if err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.BorrowIncidentChannel(ctx, b.ID, room)
	}); err != nil {
		t.Fatalf("BorrowIncidentChannel of a released channel: %v", err)
	}
	if got, err := s.GetIncidentByChannel(ctx, room); err != nil || got.ID != b.ID {
		t.Fatalf("GetIncidentByChannel after b borrowed it = %v, %v; want %d", got, err, b.ID)
	}
	checkChannels(t, mustGet(t, s, a.ID).Channels, []incident.ChannelRef{room, own})
	checkChannels(t, mustGet(t, s, b.ID).Channels, []incident.ChannelRef{room})
	isConflict(t, "AddIncidentChannel to a third incident", s.AddIncidentChannel(ctx, mustCreate(t, s, newIncident("c", at(2*time.Minute))).ID, room))

	// Released again by b, the channel is free again, and a is still not
	// found there: releasing finds only the latest claim.
	if rel, err := s.ReleaseIncidentChannels(ctx, b.ID, at(3*time.Hour)); err != nil || len(rel) != 1 {
		t.Fatalf("ReleaseIncidentChannels(b) = %v, %v", rel, err)
	}
	_, err = s.GetIncidentByChannel(ctx, room)
	isNotFound(t, "GetIncidentByChannel after both released it", err)
	if last, err := s.LastIncidentOfChannel(ctx, room); err != nil || last.ID != b.ID {
		t.Errorf("LastIncidentOfChannel after b released it = %v, %v; want %d", last, err, b.ID)
	}
	// Listed incidents carry their released channels too.
	list, err := s.ListIncidents(ctx, storage.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range list {
		if inc.ID == a.ID {
			checkChannels(t, inc.Channels, []incident.ChannelRef{room, own})
		}
	}
	// Releasing an incident that borrowed nothing, or does not exist, is a no-op.
	if rel, err := s.ReleaseIncidentChannels(ctx, a.ID+1000, at(time.Hour)); err != nil || len(rel) != 0 {
		t.Errorf("ReleaseIncidentChannels of no incident = %v, %v", rel, err)
	}
}

func testIncidentChannels(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	b := mustCreate(t, s, newIncident("b", at(time.Minute)))
	main := incident.ChannelRef{Platform: "slack", ChannelID: "CMAIN"}
	side := incident.ChannelRef{Platform: "slack", ChannelID: "CSIDE"}
	disc := incident.ChannelRef{Platform: "discord", ChannelID: "555"}
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
	if c, ok := got.ChannelOn("slack"); !ok || c != main {
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
	other := incident.ChannelRef{Platform: "console", ChannelID: "b"}
	if err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.AddIncidentChannel(ctx, b.ID, other)
	}); err != nil {
		t.Fatalf("AddIncidentChannel in InTx: %v", err)
	}
	checkChannels(t, mustGet(t, s, b.ID).Channels, []incident.ChannelRef{other})
}
