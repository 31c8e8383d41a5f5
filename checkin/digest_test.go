package checkin_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/checkin"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func digestPosts(h *harness) []bottest.Delivery {
	var out []bottest.Delivery
	for _, d := range h.rec.Ops("post") {
		if d.ChannelID == "CDIGEST" {
			out = append(out, d)
		}
	}
	return out
}

// TestWeeklyDigest: on its cron schedule the digest posts, to its channel,
// last period's incidents with their time to mitigate, time to diagnose,
// customer impact and regressions; once, however many replicas sweep.
func TestWeeklyDigest(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		cfg := defaults()
		cfg.Digest = config.Digest{Schedule: "0 9 * * MON", Channel: "slack:CDIGEST"}
		h := newHarness(t, s, cfg, checkin.Options{}, bot.Options{})
		h.sweep() // sets the schedule up: next Monday 09:00
		if c := h.checkin(checkin.DigestKey); !c.Active || !c.NextDueAt.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("digest schedule: %+v", c)
		}

		_, ch := h.declare(alice, "/incident declare sev1 Checkout errors")
		at := func(hh, mm int) { h.clock.Set(time.Date(2026, 3, 1, hh, mm, 0, 0, time.UTC)) }
		at(14, 12)
		h.do(bob, ch, "/incident mitigated rolled back")
		at(14, 30)
		h.do(bob, ch, "/incident regressed errors again")
		at(14, 40)
		h.do(bob, ch, "/incident mitigated flag off")
		at(15, 0)
		h.do(alice, ch, "/incident diagnosed bad flag default")
		at(16, 0)
		h.do(alice, ch, "/incident resolve")
		at(18, 0)
		h.declare(bob, "/incident declare sev3 Search is slow")
		h.sweep()
		if n := len(digestPosts(h)); n != 0 {
			t.Fatalf("%d digests before Monday 09:00", n)
		}

		h.clock.Set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		h.sweep()
		h.sweep()
		posts := digestPosts(h)
		if len(posts) != 1 {
			t.Fatalf("%d digests on Monday 09:00, want 1", len(posts))
		}
		golden(t, "digest", render(posts[0].Message))

		// The next Monday, two replicas sweep at once: one digest, with no
		// incident in its period.
		other := newHarness(t, s, cfg, checkin.Options{}, bot.Options{})
		other.clock = h.clock
		other.start()
		h.clock.Set(time.Date(2026, 3, 9, 9, 0, 30, 0, time.UTC))
		var wg sync.WaitGroup
		for _, x := range []*harness{h, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := x.sched.Sweep(context.Background()); err != nil {
					t.Errorf("Sweep: %v", err)
				}
			}()
		}
		wg.Wait()
		h.drain()
		posts = digestPosts(h)
		if len(posts) != 2 {
			t.Fatalf("%d digests after the second Monday, want 2", len(posts))
		}
		wantContains(t, "empty digest", text(posts[1].Message), "Mon 2 Mar 09:00 → Mon 9 Mar 09:00", "No incidents were declared")
	})
}

// TestDigestOff: without a schedule nothing is posted, and a schedule
// removed from the configuration stops.
func TestDigestOff(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		cfg := defaults()
		cfg.Digest = config.Digest{Schedule: "@every 1h", Channel: "slack:CDIGEST"}
		h := newHarness(t, s, cfg, checkin.Options{}, bot.Options{})
		h.sweep()
		h.advance(time.Hour)
		if n := len(digestPosts(h)); n != 1 {
			t.Fatalf("%d digests after an hour, want 1", n)
		}
		h.cfg.Digest = config.Digest{}
		h.start()
		h.advance(5 * time.Hour)
		if n := len(digestPosts(h)); n != 1 {
			t.Fatalf("a digest removed from the configuration still posts (%d)", n)
		}
		if c := h.checkin(checkin.DigestKey); c.Active {
			t.Fatal("the removed digest's schedule is still active")
		}
	})
}

// TestConfigErrors: a bad spec or channel is refused with the key named.
func TestConfigErrors(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), defaults(), checkin.Options{}, bot.Options{})
	for name, cfg := range map[string]config.Checkins{
		"checkins.cadence.sev1":      {Cadence: config.Cadence{Sev1: "every ten minutes"}},
		"checkins.digest.channel":    {Digest: config.Digest{Schedule: "0 9 * * MON", Channel: "C0123"}},
		"checkins.digest.schedule":   {Digest: config.Digest{Schedule: "99 9 * * MON", Channel: "slack:C1"}},
		"checkins.escalate_after":    {EscalateAfter: -1},
		"checkins.diagnosis_cadence": {DiagnosisCadence: "@every"},
	} {
		_, err := checkin.New(cfg, checkin.Options{Store: h.store})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want it named", name, err)
		}
	}
}
