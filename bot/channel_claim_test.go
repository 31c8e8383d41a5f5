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

// Issue #15: after "declare here" and "resolve", the channel refused every
// declaration for good ("This channel already belongs to INC-1").
func TestResolvedIncidentGivesBackTheChannelItBorrowed(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		h := newHarness(t, s, bot.Options{})
		room := incident.ChannelRef{Platform: "slack", ChannelID: "CINCIDENTS"}
		first := h.do(alice, room, "declare here sev2 Checkout errors")
		if first.Error {
			t.Fatalf("declare here: %s", first.Message.Fallback)
		}
		h.drain()
		if r := h.do(alice, room, "resolve --ongoing flag default fixed"); r.Error {
			t.Fatalf("resolve: %s", r.Message.Fallback)
		}
		h.drain()

		// With the incident resolved, the channel belongs to no open
		// incident: a command typed there says so and names the way out.
		if r := h.do(bob, room, "status"); !r.Error || !strings.Contains(r.Message.Fallback, "No incident is open in this channel") ||
			!strings.Contains(r.Message.Fallback, "/incident "+first.IncidentKey+" status") {
			t.Fatalf("status after resolve: %s", r.Message.Fallback)
		}

		second := h.do(bob, room, "declare here sev4 Search is slow")
		if second.Error {
			t.Fatalf("declare here again: %s", second.Message.Fallback)
		}
		if second.IncidentKey == first.IncidentKey {
			t.Fatalf("declared %s again", second.IncidentKey)
		}
		h.drain()
		if r := h.do(carol, room, "status"); r.Error || r.IncidentKey != second.IncidentKey ||
			!strings.Contains(r.Message.Blocks[0].Text.String(), "Search is slow") {
			t.Fatalf("status in the channel answers about %s: %s", r.IncidentKey, r.Message.Fallback)
		}

		// The resolved incident still reaches the channel: a note named by
		// key lands on its timeline and its line is posted there (the
		// note changes nothing its card shows: no card update).
		before := len(h.rec.Deliveries())
		if r := h.do(alice, lobby, first.IncidentKey+" note the alert threshold was too high"); r.Error || r.IncidentKey != first.IncidentKey {
			t.Fatalf("note on the resolved incident: %s", r.Message.Fallback)
		}
		h.drain()
		var noteLine bool
		for _, d := range h.rec.Deliveries()[before:] {
			if d.ChannelID != room.ChannelID {
				t.Errorf("%s of the resolved incident went to %s", d.Op, d.ChannelID)
			}
			noteLine = noteLine || (d.Op == "post" && strings.Contains(d.Message.Fallback, "alert threshold"))
			if d.Op == "update" {
				t.Errorf("a late note updated the card: %+v", d)
			}
		}
		if !noteLine {
			t.Error("the late note's line did not reach the channel")
		}
		old, err := s.GetIncidentByKey(ctx, first.IncidentKey)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := old.ChannelOn("slack"); !ok || c != room {
			t.Errorf("the resolved incident's channel is %v %v, want %v", c, ok, room)
		}
		if got := kinds(h.events(first.IncidentKey)); got != "declared/typed resolved/typed note/typed" {
			t.Errorf("timeline of %s: %s", first.IncidentKey, got)
		}
	})
}

// A channel the bot opened for an incident stays that incident's after
// it is resolved: its late commands go to it, and "declare here" is
// refused there.
func TestOwnChannelStaysWithTheResolvedIncident(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 API latency")
		h.do(alice, ch, "resolve --ongoing")
		if r := h.do(bob, ch, "status"); r.Error || r.IncidentKey != key {
			t.Fatalf("status in the resolved incident's own channel: %s", r.Message.Fallback)
		}
		if r := h.do(bob, ch, "declare here sev3 Other"); !r.Error || !strings.Contains(r.Message.Fallback, "already belongs to "+key) {
			t.Fatalf("declare here in another incident's own channel: %s", r.Message.Fallback)
		}
	})
}

// Declaring without "here" always works, from any channel, an open
// incident's channel included: it opens a new channel.
func TestDeclareFromAnIncidentChannelOpensANewOne(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		key, ch := h.declare(alice, "declare sev2 API latency")
		r := h.do(bob, ch, "declare sev1 Payments down too")
		if r.Error || r.IncidentKey == key {
			t.Fatalf("declare from %s's channel: %s", key, r.Message.Fallback)
		}
		h.drain()
		opens := h.rec.Ops("open")
		if len(opens) != 2 || opens[1].Open.IncidentKey != r.IncidentKey {
			t.Fatalf("channels opened: %+v", opens)
		}
		inc, err := s.GetIncidentByKey(context.Background(), r.IncidentKey)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := inc.ChannelOn("slack"); !ok || c == ch {
			t.Fatalf("the new incident's channel is %v", c)
		}
		// The first incident keeps its channel.
		if r := h.do(bob, ch, "status"); r.IncidentKey != key {
			t.Fatalf("status in %s's channel answers about %s", key, r.IncidentKey)
		}
		// "declare here" in an open incident's channel is still refused.
		if r := h.do(bob, ch, "declare here sev3 Third"); !r.Error || !strings.Contains(r.Message.Fallback, "already belongs to "+key) {
			t.Fatalf("declare here in an open incident's channel: %s", r.Message.Fallback)
		}
	})
}

// A button of a resolved incident's message, clicked in the channel it
// gave back, acts on that incident, never on the one holding the channel
// now: buttons on an incident's messages name it.
func TestOldButtonsInAReusedChannelKeepTheirIncident(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		h := newHarness(t, s, bot.Options{})
		room := incident.ChannelRef{Platform: "slack", ChannelID: "CINCIDENTS"}
		first := h.do(alice, room, "declare here sev2 Checkout errors")
		h.drain()
		var stale bot.Button
		for _, b := range h.rec.Ops("post")[0].Message.AllButtons() {
			if b.Label == "Yes, mitigated" {
				stale = b
			}
		}
		if stale.Command == "" {
			t.Fatal("no Yes, mitigated button on the first card")
		}
		h.do(alice, room, "resolve --ongoing rolled back for good")
		second := h.do(bob, room, "declare here sev1 Payments down")
		h.drain()

		r := h.click(carol, room, stale.Command, "stale-click")
		if !r.Error || r.IncidentKey != first.IncidentKey || !strings.Contains(r.Message.Fallback, first.IncidentKey+" is resolved") {
			t.Fatalf("old button: %+v %s", r.IncidentKey, r.Message.Fallback)
		}
		inc, _ := s.GetIncidentByKey(ctx, second.IncidentKey)
		if inc.Impact != incident.ImpactOngoing {
			t.Fatalf("a button of %s mitigated %s", first.IncidentKey, second.IncidentKey)
		}
	})
}
