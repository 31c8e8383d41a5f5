package faults

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/cmd/tourniquet-load/loadgen"
)

// sent is one command of a stream and its answer.
type sent struct {
	token  string
	phase  string // "before", "outage", "after"
	status int
	err    error
}

// Postgres goes away under a stream of commands (its connections drop,
// new ones are refused) and comes back. Every command answered 200 has its
// event afterwards; commands during the outage get a 5xx, never a 200
// without a record; /readyz says 503 meanwhile; the same process recovers.
func TestPostgresOutage(t *testing.T) {
	r := newRig(t, rigOptions{})
	bu, err := url.Parse(r.directURL)
	if err != nil {
		t.Fatal("the database URL does not parse") // not err: it quotes the URL
	}
	proxy := newTCPProxy(t, bu.Host)
	r.dbURL = proxy.proxied(r.directURL)
	srv := r.start("server")
	pid := srv.Pid()
	// Ten channels, a note every 400 ms in each: 25 commands a second.
	// (Slack takes about one message a second per channel, so a faster
	// stream into fewer channels only measures that queue.)
	incs := r.declare(srv, 10)

	var phase atomic.Value
	phase.Store("before")
	run := randomHex(3)
	var (
		mu    sync.Mutex
		sends []sent
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for ci, ch := range incs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tok := fmt.Sprintf("pg%s-c%d-n%03d", run, ci, i)
				p := phase.Load().(string)
				status, _, err := r.command(srv, ch.ID, "U0STREAM", "note "+tok, "t."+tok)
				mu.Lock()
				sends = append(sends, sent{token: tok, phase: p, status: status, err: err})
				mu.Unlock()
				time.Sleep(400 * time.Millisecond)
			}
		}()
	}

	time.Sleep(2 * time.Second)
	phase.Store("outage")
	proxy.cut()
	outageStart := time.Now()
	waitReadyz(t, srv, 15*time.Second, http.StatusServiceUnavailable, "during the outage")
	t.Logf("/readyz answered 503 %s into the outage", time.Since(outageStart).Round(time.Millisecond))
	time.Sleep(4 * time.Second)
	if status, err := srv.Ready(context.Background()); err != nil || status != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d, %v; want 503", status, err)
	}
	phase.Store("recovering")
	proxy.restore()
	restored := time.Now()
	waitReadyz(t, srv, 30*time.Second, http.StatusOK, "after Postgres is back")
	t.Logf("ready again %s after Postgres came back", time.Since(restored).Round(time.Millisecond))
	phase.Store("after")
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	select {
	case <-srv.Exited():
		t.Fatal("the server exited during the outage; it must ride it out")
	default:
	}
	if srv.Pid() != pid {
		t.Fatal("the server was restarted")
	}

	notes := map[string]bool{}
	for _, row := range r.query(`SELECT text FROM events WHERE kind = 'note'`) {
		notes[row[0]] = true
	}
	count := map[string]map[string]int{}
	for _, s := range sends {
		key := fmt.Sprint(s.status)
		if s.err != nil {
			key = "no answer"
		}
		if count[s.phase] == nil {
			count[s.phase] = map[string]int{}
		}
		count[s.phase][key]++
		switch {
		case s.err == nil && s.status == http.StatusOK:
			if !notes[s.token] {
				t.Errorf("%s (%s) was acknowledged with 200 but its event is not on the timeline", s.token, s.phase)
			}
		case s.err == nil && s.status >= 500:
			// Refused: Slack would retry it; nothing was promised.
		case s.err != nil:
			t.Errorf("%s (%s): no answer at all: %v", s.token, s.phase, s.err)
		default:
			t.Errorf("%s (%s): status %d; want 200, or a 5xx while the database is away", s.token, s.phase, s.status)
		}
	}
	t.Logf("answers by phase: %v", count)
	if count["outage"]["503"] == 0 {
		t.Errorf("no command was refused with 503 during the outage: %v", count["outage"])
	}
	if count["after"]["200"] == 0 {
		t.Errorf("no command succeeded after the outage: %v", count["after"])
	}

	// What was acknowledged is also delivered, through the outbox.
	re := regexp.MustCompile(`(pg` + run + `-c\d+-n\d+)`)
	waitFor(t, 60*time.Second, "every acknowledged note to reach Slack", func() bool {
		got := map[string]bool{}
		for _, toks := range posts(r.fake, re) {
			for _, tok := range toks {
				got[tok] = true
			}
		}
		for _, s := range sends {
			if s.err == nil && s.status == http.StatusOK && !got[s.token] {
				return false
			}
		}
		return true
	})
}

// waitReadyz waits until srv's /readyz answers want.
func waitReadyz(t *testing.T, srv *loadgen.Server, timeout time.Duration, want int, when string) {
	t.Helper()
	waitFor(t, timeout, fmt.Sprintf("/readyz to answer %d %s", want, when), func() bool {
		status, err := srv.Ready(context.Background())
		return err == nil && status == want
	})
}
