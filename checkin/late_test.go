package checkin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestLateAfterDowntime: the bot is down for two hours while twelve sev1
// check-ins per incident fall due. On restart each open incident gets
// exactly one check-in, marked late; the incident resolved meanwhile gets
// none; and the cadence resumes from the restart.
func TestLateAfterDowntime(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		var (
			keys  []string
			chans []incident.ChannelRef
		)
		for _, title := range []string{"Checkout errors", "Search down", "Login slow", "Emails delayed"} {
			inc, ch := h.declare(alice, "/incident declare sev1 "+title)
			keys, chans = append(keys, inc.Key), append(chans, ch)
		}
		// The sweeper is down from here on; commands still work (another
		// replica's HTTP handler, say).
		h.clock.Advance(25 * time.Minute)
		if r := h.do(alice, chans[2], "/incident resolve --ongoing fixed while nobody was asking"); r.Error {
			t.Fatalf("resolve: %+v", r)
		}
		h.clock.Set(t0.Add(2 * time.Hour))
		h.start() // a new process on the same store

		if n := h.sweep(); n != 3 {
			t.Fatalf("after downtime sent %d check-ins, want 3 (one per open incident)", n)
		}
		if n := h.sweep(); n != 0 {
			t.Fatalf("a second sweep sent %d more", n)
		}
		for i, key := range keys {
			sent := h.eventsOf(key, incident.KindCheckinSent)
			if i == 2 {
				if len(sent) != 0 || len(h.checkins(chans[i])) != 0 {
					t.Fatalf("%s was resolved during the downtime but got %d check-ins", key, len(sent))
				}
				continue
			}
			if len(sent) != 1 || sent[0].Data["late"] != true || sent[0].Data["due_at"] != "2026-03-01T14:10:00Z" {
				t.Fatalf("%s: checkin_sent %+v, want one, late, due at 14:10", key, sent)
			}
			m := h.lastCheckin(chans[i]).Message
			wantContains(t, key+" late check-in", text(m), "Late: this check-in was due at 14:10 UTC", "next check-in at 16:10 UTC")
		}
		if v := h.counts.get("late"); v != 3 {
			t.Errorf("checkins_late = %v, want 3", v)
		}
		// The cadence resumes from the restart, on time.
		if n := h.advance(10 * time.Minute); n != 3 {
			t.Fatalf("at 16:10 sent %d, want 3", n)
		}
		for _, key := range []string{keys[0], keys[1], keys[3]} {
			sent := h.eventsOf(key, incident.KindCheckinSent)
			if len(sent) != 2 || sent[1].Data["late"] != false {
				t.Fatalf("%s after the restart: %+v", key, sent)
			}
		}
	})
}

// TestSweepOnTimeIsNotLate: a check-in swept a few seconds after its due
// time is on time; only real downtime makes it late.
func TestSweepOnTimeIsNotLate(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		h.advance(10*time.Minute + 3*time.Second)
		if sent := h.eventsOf(inc.Key, incident.KindCheckinSent); len(sent) != 1 || sent[0].Data["late"] != false {
			t.Fatalf("checkin_sent %+v, want one on time", sent)
		}
		if m := h.lastCheckin(ch).Message; strings.Contains(text(m), "Late") {
			t.Fatalf("on-time check-in marked late: %s", text(m))
		}
		// The schedule keeps its rhythm: due 14:20, not 14:20:03.
		if c := h.checkin(inc.Key + "/impact"); !c.NextDueAt.Equal(t0.Add(20 * time.Minute)) {
			t.Fatalf("next due %v, want 14:20", c.NextDueAt)
		}
		ctx := context.Background()
		fires, err := s.ListCheckinFires(ctx, h.checkin(inc.Key+"/impact").ID)
		if err != nil || len(fires) != 1 || !fires[0].DueAt.Equal(t0.Add(10*time.Minute)) || fires[0].Late {
			t.Fatalf("fire record: %+v, %v", fires, err)
		}
	})
}

// TestOverdueWhileUpIsNotLate: a check-in that fell due while the sweeper
// ran but went out minutes after its time (a burst on a busy machine) was
// not missed by downtime, so it is not marked late: "late" tells people
// Tourniquet was not running.
func TestOverdueWhileUpIsNotLate(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		if n := h.advance(15 * time.Minute); n != 1 { // due at 14:10, swept at 14:15
			t.Fatalf("sent %d check-ins, want 1", n)
		}
		if sent := h.eventsOf(inc.Key, incident.KindCheckinSent); len(sent) != 1 || sent[0].Data["late"] != false {
			t.Fatalf("checkin_sent %+v, want one, not late", sent)
		}
		if m := h.lastCheckin(ch).Message; strings.Contains(text(m), "Late") {
			t.Fatalf("a check-in due while Tourniquet ran is marked late: %s", text(m))
		}
		if v := h.counts.get("late"); v != 0 {
			t.Errorf("checkins_late = %v, want 0", v)
		}
	})
}
