package faults

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
)

// While the Slack Web API answers 429 (with Retry-After) and 500, commands
// are still acknowledged; afterwards every message is delivered, once, in
// the order of the commands, per channel.
func TestSlackAPIRateLimitsAndErrors(t *testing.T) {
	r := newRig(t, rigOptions{})
	srv := r.start("server")
	incs := r.declare(srv, 4)
	// The declarations' own messages (card, topic) go out first: the
	// outage is for the notes' posts, and a topic still retrying at its
	// start would hold each channel's posts behind it until it ends.
	waitFor(t, 30*time.Second, "the declarations' messages to go out", func() bool { return r.pendingOutbox() == 0 })

	r.fake.SetOutage(slacktest.Outage{Until: time.Now().Add(6 * time.Second),
		Statuses: []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable}, RetryAfter: 1})
	const perChannel = 8
	run := randomHex(3)
	var wg sync.WaitGroup
	errs := make(chan error, len(incs)*perChannel)
	for ci, ch := range incs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perChannel {
				// One after another, each once it is acknowledged: that
				// is the order the channel must show.
				tok := fmt.Sprintf("so%s-c%d-n%02d", run, ci, i)
				status, _, err := r.command(srv, ch.ID, "U0ORDER", "note "+tok, "t."+tok)
				if err != nil || status != http.StatusOK {
					errs <- fmt.Errorf("%s: status %d, %v", tok, status, err)
				}
				time.Sleep(150 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a command was not acknowledged while Slack failed: %v", err)
	}

	re := regexp.MustCompile(`(so` + run + `-c\d+-n\d+)`)
	waitFor(t, 90*time.Second, "every note to reach Slack after the outage", func() bool {
		n := 0
		for _, toks := range posts(r.fake, re) {
			n += len(toks)
		}
		return n >= len(incs)*perChannel
	})
	// Let a late duplicate show up, if there is one.
	waitFor(t, 30*time.Second, "the outbox to empty", func() bool { return r.pendingOutbox() == 0 })

	calls := r.fake.Counts()
	if calls["chat.postMessage 429"] == 0 || calls["chat.postMessage 500"]+calls["chat.postMessage 503"] == 0 {
		t.Fatalf("the outage did not hit chat.postMessage: %v", calls)
	}
	got := posts(r.fake, re)
	for ci, ch := range incs {
		var want []string
		for i := range perChannel {
			want = append(want, fmt.Sprintf("so%s-c%d-n%02d", run, ci, i))
		}
		if strings.Join(got[ch.ID], " ") != strings.Join(want, " ") {
			t.Errorf("channel %s (%s): delivered\n  %v\nwant each once, in order:\n  %v", ch.ID, ch.Name, got[ch.ID], want)
		}
	}
	if dead := r.query(`SELECT count(*) FROM outbox WHERE status = 'dead'`)[0][0]; dead != "0" {
		t.Errorf("%s outbox messages were given up on", dead)
	}
	t.Logf("Slack calls: %v", calls)
}
