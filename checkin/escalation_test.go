package checkin_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// pager records pages; it fails for the incidents named in fail.
type pager struct {
	mu    sync.Mutex
	pages []string
	fail  map[string]bool
}

func (p *pager) Page(ctx context.Context, tx *bot.Tx, unanswered int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail[tx.Incident.Key] {
		return errors.New("pager service refused")
	}
	p.pages = append(p.pages, fmt.Sprintf("%s after %d", tx.Incident.Key, unanswered))
	tx.Announce(bot.Textf("📟 Paging the on-call for %s", tx.Incident.Key))
	return nil
}

// TestEscalation: after escalate_after unanswered check-ins the next ones
// mention the lead, after as many more the whole channel, then the pager;
// each step is one checkin_escalated event, and an answer starts over.
func TestEscalation(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		p := &pager{}
		h := newHarness(t, s, defaults(), checkin.Options{Pager: p}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		h.do(alice, ch, "/incident lead <@U2|bob>")
		lead := "<@slack:U2|bob>"

		type step struct {
			mention   string // "", the lead, or the channel
			escalated string // level of a new checkin_escalated event, or ""
		}
		steps := []step{
			{"", ""}, {"", ""}, // #1, #2
			{lead, "lead"}, {lead, ""}, // #3, #4: 2 unanswered
			{"<!channel>", "channel"}, {"<!channel>", ""}, // #5, #6: 4 unanswered
			{"<!channel>", "pager"}, {"<!channel>", ""}, // #7, #8: 6 unanswered
		}
		for i, st := range steps {
			if n := h.advance(10 * time.Minute); n != 1 {
				t.Fatalf("check-in #%d: sent %d", i+1, n)
			}
			m := h.lastCheckin(ch).Message
			first := m.Blocks[1].Text.Notation()
			switch {
			case st.mention == "" && (strings.Contains(first, "<@") || strings.Contains(first, "<!channel>")):
				t.Fatalf("check-in #%d mentions someone: %q", i+1, first)
			case st.mention != "" && !strings.HasPrefix(first, st.mention):
				t.Fatalf("check-in #%d should start with %s: %q", i+1, st.mention, first)
			}
			esc := h.eventsOf(inc.Key, incident.KindCheckinEscalated)
			var levels []string
			for _, e := range esc {
				levels = append(levels, fmt.Sprint(e.Data["level"]))
			}
			wantLevels := []string{}
			for _, prev := range steps[:i+1] {
				if prev.escalated != "" {
					wantLevels = append(wantLevels, prev.escalated)
				}
			}
			if strings.Join(levels, ",") != strings.Join(wantLevels, ",") {
				t.Fatalf("after check-in #%d escalations %v, want %v", i+1, levels, wantLevels)
			}
		}
		if strings.Join(p.pages, ";") != inc.Key+" after 6" {
			t.Fatalf("pages %v, want one after 6 unanswered", p.pages)
		}
		esc := h.eventsOf(inc.Key, incident.KindCheckinEscalated)
		if esc[0].Source != incident.SourceCheckin || !esc[0].Actor.Same(incident.System) || !strings.Contains(esc[0].Text, "asking the lead, bob") {
			t.Fatalf("escalation event: %+v", esc[0])
		}
		if v := h.counts.get("escalated:channel"); v != 1 {
			t.Errorf("checkins_escalated{channel} = %v, want 1", v)
		}

		// An answer resets the count: the next two come without mentions.
		h.click(alice, ch, button(t, h.lastCheckin(ch).Message, "Partially"))
		for i := range 2 {
			h.advance(10 * time.Minute)
			if first := h.lastCheckin(ch).Message.Blocks[1].Text.Notation(); strings.Contains(first, "<") {
				t.Fatalf("check-in %d after an answer still escalates: %q", i+1, first)
			}
		}
		h.advance(10 * time.Minute)
		if first := h.lastCheckin(ch).Message.Blocks[1].Text.Notation(); !strings.HasPrefix(first, lead) {
			t.Fatalf("escalation did not start over after the answer: %q", first)
		}

		// A note in the channel shows people at work: it resets the count
		// too, though nobody answered the check-in.
		h.do(alice, ch, "/incident note rolling back checkout")
		for i := range 2 {
			h.advance(10 * time.Minute)
			if first := h.lastCheckin(ch).Message.Blocks[1].Text.Notation(); strings.Contains(first, "<") {
				t.Fatalf("check-in %d after a note still escalates: %q", i+1, first)
			}
		}
	})
}

// TestNoEscalation: escalate_after 0 never escalates.
func TestNoEscalation(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		cfg := defaults()
		cfg.EscalateAfter = 0
		h := newHarness(t, s, cfg, checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		for range 6 {
			h.advance(10 * time.Minute)
		}
		if n := len(h.checkins(ch)); n != 6 {
			t.Fatalf("%d check-ins, want 6", n)
		}
		if n := len(h.eventsOf(inc.Key, incident.KindCheckinEscalated)); n != 0 {
			t.Fatalf("%d escalations with escalate_after 0", n)
		}
	})
}

// TestFailingCheckinIsIsolated: a check-in that fails to fire (here its
// pager step errors) is retried later and does not hold up the others.
func TestFailingCheckinIsIsolated(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		cfg := defaults()
		cfg.EscalateAfter = 1
		p := &pager{fail: map[string]bool{"INC-2": true}}
		h := newHarness(t, s, cfg, checkin.Options{Pager: p, Batch: 10, RetryDelay: 2 * time.Minute}, bot.Options{})
		var chans []incident.ChannelRef
		for _, title := range []string{"one", "two", "three"} {
			_, ch := h.declare(alice, "/incident declare sev1 "+title)
			chans = append(chans, ch)
		}
		for range 3 {
			if n := h.advance(10 * time.Minute); n != 3 {
				t.Fatalf("sent %d, want 3", n)
			}
		}
		// The 4th round pages: INC-2's pager fails.
		if n := h.advance(10 * time.Minute); n != 2 {
			t.Fatalf("sent %d with one failing, want the 2 others", n)
		}
		c := h.checkin("INC-2/impact")
		if c.Fired != 3 || !c.NextDueAt.Equal(h.clock.Now().Add(2*time.Minute)) {
			t.Fatalf("failing check-in: fired %d next %v; want 3 and retried in 2m", c.Fired, c.NextDueAt)
		}
		if len(h.checkins(chans[1])) != 3 || len(h.checkins(chans[0])) != 4 || len(h.checkins(chans[2])) != 4 {
			t.Fatal("the failure leaked into the other incidents' check-ins")
		}
		// The pager recovers: the retry goes out.
		p.mu.Lock()
		p.fail = nil
		p.mu.Unlock()
		if n := h.advance(2 * time.Minute); n != 1 {
			t.Fatalf("retry sent %d, want 1", n)
		}
		if len(h.checkins(chans[1])) != 4 {
			t.Fatal("the retried check-in was not posted")
		}
	})
}

// TestWorkingIsNotSilence: escalation chases silence only. Between
// check-ins someone typing an update, adding a note, running an action or
// answering another question is a response: the next check-in asks
// without mentioning anyone, and no escalation is recorded. Silence after
// that escalates as before.
func TestWorkingIsNotSilence(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s, defaults(), checkin.Options{}, bot.Options{})
		inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		h.do(alice, ch, "/incident lead <@U2|bob>")
		for i, work := range []string{"/incident update rolling back the 14:00 deploy", "/incident note rollback is at 50%", "/incident sev 2"} {
			h.advance(10 * time.Minute) // a check-in nobody answers
			h.do(bob, ch, work)         // …but bob is working
			h.clock.Advance(3 * time.Second)
			if m := h.lastCheckin(ch).Message; i > 0 && strings.Contains(m.Blocks[1].Text.Notation(), "went unanswered") {
				t.Fatalf("check-in after %q chases people: %q", work, m.Blocks[1].Text.Notation())
			}
		}
		h.advance(15 * time.Minute) // sev2's cadence
		if first := h.lastCheckin(ch).Message.Blocks[1].Text.Notation(); strings.Contains(first, "<@") || strings.Contains(first, "went unanswered") {
			t.Fatalf("a check-in after work escalated: %q", first)
		}
		if n := len(h.eventsOf(inc.Key, incident.KindCheckinEscalated)); n != 0 {
			t.Fatalf("%d escalations while people were working", n)
		}
		// True silence still escalates: two more unanswered, then the lead.
		h.advance(15 * time.Minute)
		h.advance(15 * time.Minute)
		if first := h.lastCheckin(ch).Message.Blocks[1].Text.Notation(); !strings.HasPrefix(first, "<@slack:U2|bob>") {
			t.Fatalf("silence did not escalate to the lead: %q", first)
		}
	})
}
