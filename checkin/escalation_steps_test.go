package checkin_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestEscalationSteps: checkins.escalation names the steps and their
// order. With [lead, page] a silent channel is never @-mentioned as a
// whole: after the lead, the next step pages the on-call.
func TestEscalationSteps(t *testing.T) {
	p := &pager{}
	cfg := defaults()
	cfg.Escalation = []string{"lead", "page"}
	h := newHarness(t, storagetest.NewSQLite(t), cfg, checkin.Options{Pager: p}, bot.Options{})
	inc, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
	for i := range 6 {
		if n := h.advance(10 * time.Minute); n != 1 {
			t.Fatalf("check-in #%d: sent %d", i+1, n)
		}
		if first := h.lastCheckin(ch).Message.Blocks[1].Text.Notation(); strings.Contains(first, "<!channel>") {
			t.Fatalf("check-in #%d asks the whole channel, which the steps leave out: %q", i+1, first)
		}
	}
	var levels []string
	for _, e := range h.eventsOf(inc.Key, incident.KindCheckinEscalated) {
		levels = append(levels, fmt.Sprint(e.Data["level"]))
	}
	if strings.Join(levels, ",") != "lead,pager" {
		t.Errorf("escalations %v, want lead then pager", levels)
	}
	if strings.Join(p.pages, ";") != inc.Key+" after 4" {
		t.Errorf("pages %v, want one after 4 unanswered (the second step)", p.pages)
	}
}

// TestEscalationStepsWithoutPage: [lead, channel] never pages, even with a
// pager wired (paging.escalate_to set for another reason).
func TestEscalationStepsWithoutPage(t *testing.T) {
	p := &pager{}
	cfg := defaults()
	cfg.Escalation = []string{"lead", "channel"}
	h := newHarness(t, storagetest.NewSQLite(t), cfg, checkin.Options{Pager: p}, bot.Options{})
	h.declare(alice, "/incident declare sev1 Checkout errors")
	for range 8 {
		h.advance(10 * time.Minute)
	}
	if len(p.pages) != 0 {
		t.Errorf("paged %v though the steps leave the page out", p.pages)
	}
}

// TestEscalationStepsChecked: an unknown step, one out of order or a page
// with no pager is refused when the scheduler is built.
func TestEscalationStepsChecked(t *testing.T) {
	for _, tc := range []struct {
		steps []string
		pager checkin.Pager
		want  string
	}{
		{[]string{"lead", "sms"}, nil, `unknown step "sms"`},
		{[]string{"channel", "lead"}, nil, "in the order lead, channel, page"},
		{[]string{"lead", "page"}, nil, "paging.escalate_to"},
	} {
		cfg := defaults()
		cfg.Escalation = tc.steps
		_, err := checkin.New(cfg, checkin.Options{Store: storagetest.NewSQLite(t), Pager: tc.pager})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("steps %v: error %v, want one saying %q", tc.steps, err, tc.want)
		}
	}
}
