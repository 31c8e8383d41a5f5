package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// listLines is what /incident list showed: its header, then its lines in
// the message model's notation (mentions and channel links as values).
func listLines(t *testing.T, r bot.Reply) (string, []string, string) {
	t.Helper()
	if r.Error {
		t.Fatalf("list refused: %s", r.Message.Fallback)
	}
	var header, foot string
	var lines []string
	for _, b := range r.Message.Blocks {
		switch b.Kind {
		case bot.BlockHeader:
			header = b.Text.String()
		case bot.BlockText:
			lines = strings.Split(b.Text.Notation(), "\n")
		case bot.BlockContext:
			foot = b.Text.Notation()
		}
	}
	return header, lines, foot
}

// A commander asks "what is open?" from any channel: the open incidents,
// worst severity first and newest first within one, each with severity,
// impact, age, lead and a link to its channel on their platform; resolved
// ones are not listed.
func TestListShowsOpenIncidentsWorstAndNewestFirst(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{PublicURL: "https://tq.example.com"})
		k1, _ := h.declare(alice, "declare sev2 Checkout errors")
		h.clock.Advance(10 * time.Minute)
		k2, _ := h.declare(bob, "declare sev1 Search <@U3|carol> down")
		h.clock.Advance(5 * time.Minute)
		k3, c3 := h.declare(carol, "declare sev2 Login slow")
		h.do(carol, c3, "mitigated")
		k4, c4 := h.declare(alice, "declare sev3 Old news")
		h.do(alice, c4, "resolve --ongoing fixed")
		h.drain()
		h.clock.Advance(3 * time.Minute)

		r := h.do(bob, lobby, "list")
		header, lines, foot := listLines(t, r)
		if header != "Open incidents (3)" {
			t.Errorf("header %q", header)
		}
		want := []string{
			"• *" + k2 + "* SEV1 · 🔴 ongoing · 8m · lead <@slack:U2|bob> · <#C2> — Search @carol down",
			"• *" + k3 + "* SEV2 · 🟢 mitigated · 3m · lead <@slack:U3|carol> · <#C3> — Login slow",
			"• *" + k1 + "* SEV2 · 🔴 ongoing · 18m · lead <@slack:U1|alice> · <#C1> — Checkout errors",
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("list:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
		if strings.Contains(strings.Join(lines, "\n"), k4) {
			t.Errorf("the resolved %s is listed", k4)
		}
		if foot != "Worst first, then newest. Web page: <https://tq.example.com/incidents|incidents>" {
			t.Errorf("foot %q", foot)
		}
		// The title is data, and the channel link and the lead are values.
		for _, b := range r.Message.Blocks {
			if b.Kind != bot.BlockText {
				continue
			}
			var links, users int
			for _, sp := range b.Text {
				switch sp.Kind {
				case bot.SpanChannelLink:
					links++
				case bot.SpanUser:
					users++
				}
			}
			if links != 3 || users != 3 {
				t.Errorf("%d channel links and %d mentions, want 3 each (the title's <@U3|carol> is text)", links, users)
			}
		}

		// From Discord, where none of them has a channel, and with the key
		// of an incident in front (ignored: list is about all of them).
		other := incident.Actor{Platform: "discord", ID: "81", Name: "dan"}
		r = h.do(other, incident.ChannelRef{Platform: "discord", ChannelID: "D1"}, k1+" list")
		_, lines, _ = listLines(t, r)
		if len(lines) != 3 || !strings.HasSuffix(strings.Split(lines[0], " — ")[0], "· no channel here") {
			t.Errorf("from Discord: %q", lines)
		}
		// Asking changes nothing.
		if got := kinds(h.events(k1)); got != "declared/typed" {
			t.Errorf("%s timeline: %s", k1, got)
		}
	})
}

// With more open incidents than a chat reply should hold, the list stops
// at 25 and says how many more there are, linking the web page; the
// filter for incidents a person may not see is applied before counting.
func TestListIsBoundedAndFiltered(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		hidden := ""
		h := newHarness(t, s, bot.Options{PublicURL: "https://tq.example.com/",
			ListFilter: func(inc *incident.Incident, viewer incident.Actor) bool {
				return inc.Key != hidden || inc.IsDeclarer(viewer)
			}})
		if r := h.do(bob, lobby, "list"); r.Error || !strings.Contains(r.Message.Fallback, "No open incidents") {
			t.Fatalf("empty list: %+v", r)
		}
		ctx := context.Background()
		for i := range 28 {
			h.clock.Advance(time.Minute)
			r := h.do(alice, lobby, fmt.Sprintf("declare sev3 Incident %d", i+1))
			if r.Error {
				t.Fatal(r.Message.Fallback)
			}
		}
		hidden = "INC-28"
		if _, err := s.GetIncidentByKey(ctx, hidden); err != nil {
			t.Fatal(err)
		}

		header, lines, foot := listLines(t, h.do(bob, lobby, "list"))
		if header != "Open incidents (27)" || len(lines) != 25 {
			t.Fatalf("%q with %d lines", header, len(lines))
		}
		if !strings.HasPrefix(lines[0], "• *INC-27* SEV3") || !strings.HasPrefix(lines[24], "• *INC-3* SEV3") {
			t.Errorf("first %q, last %q", lines[0], lines[24])
		}
		if foot != "…and 2 more: <https://tq.example.com/incidents|all open incidents>" {
			t.Errorf("foot %q", foot)
		}
		for _, l := range lines {
			if strings.Contains(l, "INC-28*") {
				t.Errorf("bob sees %s: %q", hidden, l)
			}
		}
		// Its declarer does.
		header, lines, _ = listLines(t, h.do(alice, lobby, "list"))
		if header != "Open incidents (28)" || !strings.HasPrefix(lines[0], "• *INC-28*") {
			t.Errorf("alice: %q, first %q", header, lines[0])
		}
	})
}

// TestListKeepsPrivateIncidentsPrivate: a private incident is listed to
// the people the bot knows are in it (its declarer, its lead), never to
// anyone else asking in a shared channel.
func TestListKeepsPrivateIncidentsPrivate(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, bot.Options{})
		if r := h.do(alice, lobby, "declare sev2 Public trouble"); r.Error {
			t.Fatal(r.Message.Fallback)
		}
		h.clock.Advance(time.Minute)
		r := h.do(alice, lobby, "declare private sev1 Payroll leak")
		if r.Error {
			t.Fatal(r.Message.Fallback)
		}
		text := func(r bot.Reply) string { return r.Message.Blocks[1].Text.String() }
		if got := text(h.do(bob, lobby, "list")); strings.Contains(got, "Payroll") || !strings.Contains(got, "Public trouble") {
			t.Errorf("bob's list: %q", got)
		}
		if got := text(h.do(alice, lobby, "list")); !strings.Contains(got, "Payroll") {
			t.Errorf("the declarer's list lacks her private incident: %q", got)
		}
	})
}
