package storagetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
)

// testIncidentByChannelForUpdate checks GetIncidentByChannelForUpdate: it
// finds what GetIncidentByChannel finds, and holds the incident locked
// until the transaction ends, so that concurrent read-modify-write units
// of work (a command typed in the channel) lose no update.
func testIncidentByChannelForUpdate(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("typed in its channel", base))
	other := mustCreate(t, s, newIncident("another", at(time.Minute)))
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "CLOCKED"}
	borrowed := incident.ChannelRef{Platform: "slack", ChannelID: "CBORROWED"}
	// A second channel, bound after: channels come in the order bound.
	bridge := incident.ChannelRef{Platform: "discord", ChannelID: "900000000000000001"}
	for _, c := range []incident.ChannelRef{ch, bridge} {
		if err := s.AddIncidentChannel(ctx, inc.ID, c); err != nil {
			t.Fatalf("AddIncidentChannel: %v", err)
		}
	}
	if err := s.BorrowIncidentChannel(ctx, other.ID, borrowed); err != nil {
		t.Fatalf("BorrowIncidentChannel: %v", err)
	}

	// Outside a transaction, and inside one.
	got, err := s.GetIncidentByChannelForUpdate(ctx, ch)
	if err != nil {
		t.Fatalf("GetIncidentByChannelForUpdate: %v", err)
	}
	checkIncident(t, inc, got)
	checkChannels(t, got.Channels, []incident.ChannelRef{ch, bridge})
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		got, err := q.GetIncidentByChannelForUpdate(ctx, borrowed)
		if err != nil {
			return err
		}
		checkIncident(t, other, got)
		checkChannels(t, got.Channels, []incident.ChannelRef{borrowed})
		for _, c := range []incident.ChannelRef{ch, bridge} {
			got, err := q.GetIncidentByChannelForUpdate(ctx, c)
			if err != nil {
				return err
			}
			checkIncident(t, inc, got)
			checkChannels(t, got.Channels, []incident.ChannelRef{ch, bridge})
		}
		got, err = q.GetIncidentForUpdate(ctx, inc.ID)
		if err != nil {
			return err
		}
		checkChannels(t, got.Channels, []incident.ChannelRef{ch, bridge})
		return nil
	})
	if err != nil {
		t.Fatalf("InTx GetIncidentByChannelForUpdate: %v", err)
	}

	// Not found: an unknown channel, the same ID on another platform, a
	// released channel.
	_, err = s.GetIncidentByChannelForUpdate(ctx, incident.ChannelRef{Platform: "slack", ChannelID: "CNOWHERE"})
	isNotFound(t, "GetIncidentByChannelForUpdate of an unknown channel", err)
	_, err = s.GetIncidentByChannelForUpdate(ctx, incident.ChannelRef{Platform: "discord", ChannelID: ch.ChannelID})
	isNotFound(t, "GetIncidentByChannelForUpdate on another platform", err)
	if _, err := s.ReleaseIncidentChannels(ctx, other.ID, at(time.Hour)); err != nil {
		t.Fatalf("ReleaseIncidentChannels: %v", err)
	}
	_, err = s.GetIncidentByChannelForUpdate(ctx, borrowed)
	isNotFound(t, "GetIncidentByChannelForUpdate of a released channel", err)

	// Concurrent read-modify-write: each unit of work appends one mark to
	// the summary it read. The pause between read and write lets the
	// others read meanwhile if the row were not locked.
	const workers, each = 4, 5
	concurrentUnits(t, s, workers, each, "update", func(ctx context.Context, q storage.Querier, _, _ int) error {
		cur, err := q.GetIncidentByChannelForUpdate(ctx, ch)
		if err != nil {
			return err
		}
		time.Sleep(2 * time.Millisecond)
		cur.Summary += "x"
		return q.UpdateIncident(ctx, cur)
	})
	if got := mustGet(t, s, inc.ID).Summary; got != strings.Repeat("x", workers*each) {
		t.Errorf("summary after %d locked updates = %q (%d marks): updates were lost", workers*each, got, len(got))
	}
}
