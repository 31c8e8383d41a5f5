package actions_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/actions"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// An integration's answer may quote a configured secret it does not know
// is one (a token it was handed through a header, another system's key).
// With the engine's redactor, the run, the timeline, the audit and the
// messages posted about it say <secret> instead.
func TestRunOutcomeIsRedacted(t *testing.T) {
	const secret = "xoxb-quoted-9999"
	redact := func(s string) string { return strings.ReplaceAll(s, secret, "<secret>") }
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newReplica(t, s, clock.NewFake(t0), testActions(), testIntegrations, redact)
		h.declare()
		h.ints["deploy"].set(actions.Result{Output: "deploy log: authenticated as " + secret},
			&actions.Error{System: "Deploy", Status: 401, Msg: "token " + secret + " is not allowed to roll back"})
		if r := h.click(alice, "run rollback-checkout"); r.Error {
			t.Fatalf("click: %s", replyText(r))
		}
		h.clock.Advance(time.Second)
		h.step()

		run := h.onlyRun()
		if run.Status != storage.RunFailed {
			t.Fatalf("run: %s", run.Status)
		}
		mustContain(t, "run error", run.Error, "token <secret> is not allowed to roll back")
		mustContain(t, "run output", run.Output, "authenticated as <secret>")
		var texts []string
		for _, e := range h.events() {
			d, _ := json.Marshal(e.Data)
			texts = append(texts, e.Text+" "+string(d))
		}
		for _, a := range h.audit() {
			texts = append(texts, fmt.Sprint(a.Detail))
		}
		texts = append(texts, h.posted()...)
		texts = append(texts, run.Error, run.Output, run.Summary)
		all := strings.Join(texts, "\n")
		mustContain(t, "timeline, audit and messages", all, "token <secret> is not allowed to roll back")
		if strings.Contains(all, secret) {
			t.Fatalf("the secret is stored or posted:\n%s", strings.ReplaceAll(all, secret, "<LEAK>"))
		}
	})
}
