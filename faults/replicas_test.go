package faults

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/cmd/tourniquet-load/loadgen"
)

// checkinConfig makes every severity's impact check-in come every 2s.
const checkinConfig = `
checkins:
  cadence: {sev1: "@every 2s", sev2: "@every 2s", sev3: "@every 2s", sev4: "@every 2s"}
  diagnosis_cadence: "@every 1h"
  escalate_after: 0
`

var answerRe = regexp.MustCompile(`^(?:INC-\d+ )?answer (\d+) yes$`)

// Three `tourniquet serve` on one Postgres, behind a round-robin "load
// balancer", under load, with 2-second check-ins; one is SIGKILLed
// mid-run. Every check-in and every outbox message still reaches Slack
// exactly once, and the check-ins keep their cadence.
func TestThreeReplicasKillOne(t *testing.T) {
	r := newRig(t, rigOptions{config: checkinConfig})
	a := r.start("a")
	b := r.start("b")
	c := r.start("c")

	d, err := loadgen.New(loadgen.Options{
		Targets: []string{a.URL, b.URL, c.URL}, SigningSecret: r.signing, Fake: r.fake,
		Rate: 30, Duration: 16 * time.Second, Concurrency: 16, Incidents: 30, ClickEvery: 5,
		// A request that found b dead goes to the next replica, with the
		// same Slack IDs, as a load balancer (or Slack) retries it.
		Retries: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	setup, cancel := context.WithTimeout(ctx, time.Minute)
	if err := d.Setup(setup); err != nil {
		cancel()
		t.Fatal(err)
	}
	cancel()
	killed := make(chan time.Time, 1)
	go func() {
		time.Sleep(6 * time.Second)
		b.Kill()
		killed <- time.Now()
	}()
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	killedAt := <-killed
	if missing := d.Wait(ctx, 90*time.Second); missing > 0 {
		t.Errorf("%d acknowledged commands never reached Slack", missing)
	}

	// Mitigate every incident: the impact check-ins stop.
	for _, inc := range d.Incidents() {
		r.mustCommand(a, inc.ID, "U0LOAD001", "mitigated load test over")
	}
	waitFor(t, 90*time.Second, "the outbox to empty (b's leases run out after 30s)", func() bool { return r.pendingOutbox() == 0 })
	time.Sleep(500 * time.Millisecond) // a duplicate in flight would land now

	// Every acknowledged command: its message exactly once.
	rep := d.Summarize()
	t.Logf("load: %s", rep)
	for _, o := range d.Outcomes() {
		switch {
		case o.Err != nil || o.Status != http.StatusOK:
			t.Errorf("%s (%s) failed even after retrying on another replica: status %d, %v", o.Token, o.Kind, o.Status, o.Err)
		case o.Kind == "command" && len(o.Deliveries) != 1:
			t.Errorf("note %s reached Slack %d times; want exactly once", o.Token, len(o.Deliveries))
		case o.Kind == "click" && len(o.Deliveries) > 1:
			t.Errorf("the reply to click %s reached Slack %d times", o.Token, len(o.Deliveries))
		}
	}

	// Every check-in fired exactly once per due time and reached Slack once.
	sent := map[string]int{}
	for _, m := range r.fake.Messages() {
		if m.Method != "chat.postMessage" {
			continue
		}
		for _, v := range m.Values {
			if sm := answerRe.FindStringSubmatch(v); sm != nil {
				sent[sm[1]]++
			}
		}
	}
	fires := r.query(`SELECT f.id, f.checkin_id, f.due_at FROM checkin_fires f ORDER BY f.checkin_id, f.due_at`)
	if len(fires) < 30*5 {
		t.Errorf("only %d check-ins fired for 30 incidents over ~20s at a 2s cadence", len(fires))
	}
	byCheckin := map[string][]time.Time{}
	for _, f := range fires {
		if n := sent[f[0]]; n != 1 {
			t.Errorf("check-in fire %s (check-in %s, due %s) reached Slack %d times; want exactly once", f[0], f[1], f[2], n)
		}
		delete(sent, f[0])
		due, err := time.Parse("2006-01-02 15:04:05 -0700 MST", f[2])
		if err != nil {
			t.Fatalf("due_at %q: %v", f[2], err)
		}
		byCheckin[f[1]] = append(byCheckin[f[1]], due)
	}
	for id := range sent {
		t.Errorf("Slack got check-in %s that the database does not know", id)
	}
	for id, dues := range byCheckin {
		sort.Slice(dues, func(i, j int) bool { return dues[i].Before(dues[j]) })
		for i := 1; i < len(dues); i++ {
			if gap := dues[i].Sub(dues[i-1]); gap > 6*time.Second {
				t.Errorf("check-in %s skipped a beat: %s between due times %s and %s (b killed at %s)", id, gap,
					dues[i-1].Format(time.TimeOnly), dues[i].Format(time.TimeOnly), killedAt.UTC().Format(time.TimeOnly))
			}
		}
	}

	// Every outbox post went out exactly once: as many chat.postMessage
	// calls as delivered post rows, and nothing given up on.
	rows := r.query(`SELECT kind, status, count(*) FROM outbox GROUP BY kind, status ORDER BY kind, status`)
	counts := map[string]int{}
	for _, row := range rows {
		n, _ := strconv.Atoi(row[2])
		counts[row[0]+" "+row[1]] = n
		if row[1] != "delivered" {
			t.Errorf("outbox: %s %s messages: %s", row[0], row[1], row[2])
		}
	}
	calls := r.fake.Counts()
	if got, want := calls["chat.postMessage 200"], counts["post delivered"]; got != want {
		t.Errorf("Slack got %d chat.postMessage calls for %d delivered outbox posts; want exactly one each", got, want)
	}
	t.Logf("outbox %v; Slack %v", counts, calls)
	t.Logf("check-in fires: %d", len(fires))
}
