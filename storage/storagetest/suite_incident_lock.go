package storagetest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// testIncidentByChannelForUpdate: GetIncidentByChannelForUpdate finds what
// GetIncidentByChannel finds (the incident with its channels, outside and
// inside a transaction; not a released channel's, not an unknown
// channel's), and holds the incident until the transaction ends: units of
// work that each read it by channel, change it and save it lose no change.
func testIncidentByChannelForUpdate(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	a := mustCreate(t, s, newIncident("a", base))
	room := incident.ChannelRef{Platform: "slack", ChannelID: "CROOM"}
	own := incident.ChannelRef{Platform: "slack", ChannelID: "CINC1"}
	if err := s.BorrowIncidentChannel(ctx, a.ID, room); err != nil {
		t.Fatalf("BorrowIncidentChannel: %v", err)
	}
	if err := s.AddIncidentChannel(ctx, a.ID, own); err != nil {
		t.Fatalf("AddIncidentChannel: %v", err)
	}
	want := mustGet(t, s, a.ID)
	got, err := s.GetIncidentByChannelForUpdate(ctx, own)
	if err != nil {
		t.Fatalf("GetIncidentByChannelForUpdate: %v", err)
	}
	checkIncident(t, want, got)
	checkChannels(t, got.Channels, []incident.ChannelRef{room, own})
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		got, err := q.GetIncidentByChannelForUpdate(ctx, room)
		if err != nil {
			return err
		}
		checkIncident(t, want, got)
		checkChannels(t, got.Channels, []incident.ChannelRef{room, own})
		return nil
	})
	if err != nil {
		t.Fatalf("InTx GetIncidentByChannelForUpdate: %v", err)
	}
	_, err = s.GetIncidentByChannelForUpdate(ctx, incident.ChannelRef{Platform: "slack", ChannelID: "CNONE"})
	isNotFound(t, "GetIncidentByChannelForUpdate of an unknown channel", err)

	// Concurrent read-modify-write units of work, each through the channel.
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
				inc, err := q.GetIncidentByChannelForUpdate(ctx, own)
				if err != nil {
					return err
				}
				time.Sleep(time.Millisecond) // widen the window a lost update needs
				inc.Summary += "x"
				return q.UpdateIncident(ctx, inc)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a unit of work failed: %v", err)
		}
	}
	if got := mustGet(t, s, a.ID).Summary; got != strings.Repeat("x", writers) {
		t.Errorf("after %d units of work the summary is %q: changes were lost", writers, got)
	}

	if _, err := s.ReleaseIncidentChannels(ctx, a.ID, at(time.Hour)); err != nil {
		t.Fatalf("ReleaseIncidentChannels: %v", err)
	}
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		_, err := q.GetIncidentByChannelForUpdate(ctx, room)
		return err
	})
	isNotFound(t, "GetIncidentByChannelForUpdate of a released channel", err)
}
