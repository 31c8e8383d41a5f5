package faults

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
)

// The server is SIGKILLed after Slack accepted a message and before the
// server heard back, the one moment when it cannot know whether the
// message went out. After a restart the message is in the channel once,
// and the messages behind it follow in order.
func TestKillBetweenSlackPostAndRecord(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	srv := r.start("server")
	ch := r.declare(srv, 1)[0]

	run := randomHex(3)
	first, second := "inflight"+run+"-1", "inflight"+run+"-2"
	var once sync.Once
	killed := make(chan struct{})
	r.fake.Intercept(func(m slacktest.Message) {
		if m.Method == "chat.postMessage" && strings.Contains(m.Text, first) {
			once.Do(func() {
				srv.Kill() // Slack has the message; the server never hears so
				close(killed)
			})
		}
	})
	r.mustCommand(srv, ch.ID, "U0KILL", "note "+first)
	select {
	case <-killed:
	case <-time.After(30 * time.Second):
		t.Fatal("the note was never posted")
	}
	r.fake.Intercept(nil)

	srv = r.start("server")
	r.mustCommand(srv, ch.ID, "U0KILL", "note "+second)
	// The first message's claim must run out (30s) before anyone may try it
	// again.
	waitFor(t, 90*time.Second, "the outbox to empty after the restart", func() bool { return r.pendingOutbox() == 0 })
	time.Sleep(300 * time.Millisecond)
	got := posts(r.fake, regexp.MustCompile(`(inflight`+run+`-\d)`))[ch.ID]
	if strings.Join(got, " ") != first+" "+second {
		t.Fatalf("channel shows %v; want each note once, in order: [%s %s]", got, first, second)
	}
}
