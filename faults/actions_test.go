package faults

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
)

// hookServer is the external system a webhook action calls: it counts the
// calls and remembers their idempotency keys.
type hookServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	keys []string
}

func newHookServer(t *testing.T) *hookServer {
	h := &hookServer{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.keys = append(h.keys, r.Header.Get("Idempotency-Key"))
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"rolled back"}`))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookServer) calls() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.keys...)
}

// SIGKILL while an action run is in flight, at three points: after the
// run is claimed, after the external call, and with the outcome written
// but not committed. After a restart the external system was called at
// most once, the run has exactly one outcome (unknown, with the question
// whether it took effect) and one timeline entry for it. Without a kill
// (the control) the run succeeds with one call.
func TestActionRunKilled(t *testing.T) {
	for _, c := range []struct {
		point     string
		wantCalls int
		want      string
	}{
		{"", 1, "succeeded"},
		{"claimed", 0, "unknown"},
		{"called", 1, "unknown"},
		{"stored", 1, "unknown"},
	} {
		name := "at_" + c.point
		if c.point == "" {
			name = "no_kill"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			hook := newHookServer(t)
			hookSecret := randomHex(16)
			r := newRig(t, rigOptions{
				secrets: map[string]string{"webhook secret": hookSecret},
				config: fmt.Sprintf(`
integrations:
  deployer:
    type: webhook
    url: %q
    secret: %q
actions:
  - id: rollback-web
    title: Roll back web
    kind: rollback
    integration: deployer
    allowed: [declarer]
    confirm: false
    timeout: 2s
`, hook.srv.URL+"/rollback", hookSecret)})

			var extra []string
			if c.point != "" {
				extra = []string{actions.EnvTestPauseAt + "=" + c.point}
			}
			srv := r.start("server", extra...)
			ch := r.declare(srv, 1)[0]
			// The load driver's first user declared it: the declarer may run it.
			reply := r.mustCommand(srv, ch.ID, "U0LOAD000", "run rollback-web")
			if !strings.Contains(reply, "Running") {
				t.Fatalf("run: %s", reply)
			}
			waitFor(t, 30*time.Second, "the run to be claimed", func() bool {
				return len(r.query(`SELECT id FROM action_runs WHERE status <> 'requested'`)) == 1
			})
			runID := r.query(`SELECT id FROM action_runs`)[0][0]

			if c.point != "" {
				waitFor(t, 30*time.Second, "the runner to pause at "+c.point, func() bool {
					return len(r.grep("server", "test hook: run paused", `"at":"`+c.point+`"`)) > 0
				})
				srv.Kill()
				if got := r.query(`SELECT status FROM action_runs`)[0][0]; got != "running" {
					t.Fatalf("killed at %s with the run %s; want running", c.point, got)
				}
				if n := len(hook.calls()); n != c.wantCalls {
					t.Fatalf("killed at %s after %d calls; want %d", c.point, n, c.wantCalls)
				}
				// The run's lease must end before any replica may call it
				// lost; restart once it has, so the start-up sweep sees it.
				waitFor(t, 60*time.Second, "the run's lease to end", func() bool {
					return len(r.query(`SELECT id FROM action_runs WHERE lease_until < now()`)) == 1
				})
				r.start("server")
			}
			waitFor(t, 60*time.Second, "the run to have its outcome", func() bool {
				return len(r.query(`SELECT id FROM action_runs WHERE status IN ('succeeded','failed','unknown')`)) == 1
			})
			// Give a wrong second call or outcome time to happen.
			time.Sleep(2 * time.Second)

			calls := hook.calls()
			if len(calls) > 1 || len(calls) != c.wantCalls {
				t.Errorf("the external system got %d calls; want %d (never more than one)", len(calls), c.wantCalls)
			}
			for _, k := range calls {
				if k != runID {
					t.Errorf("idempotency key %q; want the run ID %s", k, runID)
				}
			}
			runs := r.query(`SELECT status, verified_at IS NULL FROM action_runs`)
			if len(runs) != 1 || runs[0][0] != c.want {
				t.Fatalf("runs: %v; want one, %s", runs, c.want)
			}
			outcomes := r.query(`SELECT kind FROM events WHERE kind IN ('action_succeeded','action_failed','action_unknown')
				AND data->>'run_id' = $1`, runID)
			if len(outcomes) != 1 || outcomes[0][0] != "action_"+c.want {
				t.Errorf("timeline outcomes of the run: %v; want exactly one action_%s", outcomes, c.want)
			}
			if started := r.query(`SELECT count(*) FROM events WHERE kind = 'action_started' AND data->>'run_id' = $1`, runID); started[0][0] != "1" {
				t.Errorf("action_started entries: %s; want 1", started[0][0])
			}
			if c.want == "unknown" {
				// The channel is asked whether it took effect, once.
				// Buttons name their incident (INC-1 verify …).
				verify := "INC-1 verify " + runID + " worked"
				waitFor(t, 30*time.Second, "the verify question in the channel", func() bool { return countButton(r, verify) > 0 })
				time.Sleep(500 * time.Millisecond)
				if n := countButton(r, verify); n != 1 {
					t.Errorf("the verify question was posted %d times", n)
				}
			}
		})
	}
}

// countButton counts the posted messages with a button carrying value.
func countButton(r *rig, value string) int {
	n := 0
	for _, m := range r.fake.Messages() {
		if m.Method != "chat.postMessage" {
			continue
		}
		for _, v := range m.Values {
			if v == value {
				n++
				break
			}
		}
	}
	return n
}
