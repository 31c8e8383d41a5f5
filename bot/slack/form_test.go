package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/conformance"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// On Slack, "Yes, identified" on a diagnosis check-in opens a modal asking
// for the cause (views.open with the click's trigger_id); submitting it
// answers the check-in and records the diagnosis with that cause. When
// Slack will not open the modal, the click answers as before: type
// /incident diagnosed.
func TestYesIdentifiedOpensACauseModal(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h, w := scenarioHarness(t, s)
		ctx := context.Background()
		h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
		inc := h.declareHere("CINC", "Checkout errors")
		if status, body := h.slash("U1", "CINC", "mitigated rolled back"); status != http.StatusOK || !strings.Contains(body, "Recorded") {
			t.Fatalf("mitigated: %d %s", status, body)
		}
		h.drain()
		diagnosisCheckin := func() string {
			t.Helper()
			h.clock.Advance(30*time.Minute + time.Second)
			if n, err := w.Checkins.Sweep(ctx); err != nil || n != 1 {
				t.Fatalf("diagnosis check-in: %d %v", n, err)
			}
			h.drain()
			return h.lastWith("CINC", "Yes, identified")["Yes, identified"]
		}

		// Slack refuses the modal (the trigger expired): the click answers.
		value := diagnosisCheckin()
		if !strings.HasPrefix(value, "!cause INC-1 answer ") || !strings.HasSuffix(value, " yes") {
			t.Fatalf("the button carries %q, want the cause form and its answer", value)
		}
		h.fake.FailNext("views.open", 1, http.StatusOK, nil, `{"ok":false,"error":"expired_trigger_id"}`)
		if status, body := h.interaction(h.clickPayload("U2", "CINC", value, "1772375000.000100")); status != http.StatusOK || body != "" {
			t.Fatalf("click: %d %q", status, body)
		}
		h.ad.Wait()
		hooks := h.fake.Hooks()
		if len(hooks) != 1 || !strings.Contains(hooks[0]["text"].(string), "/incident diagnosed &lt;cause&gt;") {
			t.Fatalf("fallback answer: %v", hooks)
		}

		// The next check-in's button opens the modal and records nothing yet.
		value = diagnosisCheckin()
		if status, body := h.interaction(h.clickPayload("U2", "CINC", value, "1772377000.000100")); status != http.StatusOK || body != "" {
			t.Fatalf("click: %d %q", status, body)
		}
		h.ad.Wait()
		opens := h.fake.OK("views.open")
		if len(opens) != 1 || opens[0].JSON["trigger_id"] != "trig.click.1772377000.000100" {
			t.Fatalf("views.open: %+v", opens)
		}
		view := opens[0].JSON["view"].(map[string]any)
		js, _ := json.Marshal(view)
		for _, want := range []string{`"callback_id":"tq_form"`, `"text":"What is the cause?"`,
			`"block_id":"cause"`, `"action_id":"cause"`, `"multiline":true`, `"max_length":1000`, `"text":"Record cause"`} {
			if !strings.Contains(string(js), want) {
				t.Errorf("the modal lacks %s: %s", want, js)
			}
		}
		answered := len(kinds(h.events(inc.Key), incident.KindCheckinAnswered))
		if answered != 1 {
			t.Fatalf("opening the form recorded something: %d answers", answered)
		}

		submit := func(cause string) (int, string) {
			return h.interaction(map[string]any{
				"type": "view_submission", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U2", "name": "bob"},
				"view": map[string]any{"id": "V77", "type": "modal", "callback_id": CallbackForm, "hash": "h1",
					"private_metadata": view["private_metadata"],
					"state": map[string]any{"values": map[string]any{
						"cause": map[string]any{"cause": map[string]any{"type": "plain_text_input", "value": cause}}}}},
			})
		}
		if status, body := submit("   "); status != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"cause"`) {
			t.Fatalf("an empty cause: %d %s", status, body)
		}
		status, body := submit("bad default for the new-checkout flag <!channel>")
		if status != http.StatusOK || body != "" {
			t.Fatalf("submission: %d %q, want an empty 200 (closes the modal)", status, body)
		}
		h.ad.Wait()
		h.drain()
		got, _ := h.store.GetIncidentByKey(ctx, inc.Key)
		if got.Cause != incident.CauseIdentified || got.CauseText != "bad default for the new-checkout flag @channel" {
			t.Fatalf("cause %s %q", got.Cause, got.CauseText)
		}
		evs := h.events(inc.Key)
		answers, diagnosed := kinds(evs, incident.KindCheckinAnswered), kinds(evs, incident.KindDiagnosed)
		if len(answers) != 2 || answers[1].Actor.ID != "U2" || answers[1].Data["answer"] != "yes" || len(diagnosed) != 1 || diagnosed[0].Actor.ID != "U2" {
			t.Fatalf("answers %+v, diagnosis %+v", answers, diagnosed)
		}
		eph := h.fake.OK("chat.postEphemeral")
		if len(eph) == 0 || eph[len(eph)-1].Form.Get("user") != "U2" || !strings.Contains(eph[len(eph)-1].Form.Get("text"), "Recorded on "+inc.Key+"'s timeline: diagnosed") {
			t.Errorf("confirmation: %+v", eph)
		}
		var updated bool
		for _, u := range h.fake.OK("chat.update") {
			b := u.Form.Get("blocks")
			updated = updated || strings.Contains(b, "Diagnosis check-in #2") && strings.Contains(b, `*Yes, identified* — \u003c@U2\u003e at 15:00 UTC`)
		}
		if !updated {
			t.Error("the check-in was not updated to show the answer")
		}
		// Slack delivering the same submission again records nothing more.
		submit("bad default for the new-checkout flag <!channel>")
		h.ad.Wait()
		if n := len(h.events(inc.Key)); n != len(evs) {
			t.Errorf("a repeated submission added %d events", n-len(evs))
		}
		// Every call, the modal's views.open included, is one Slack accepts.
		spec, err := conformance.Slack()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range h.fake.Calls() {
			for _, v := range spec.Check(conformance.SlackCall{Method: c.Method, HTTPMethod: c.HTTP, Form: c.Form, JSON: c.JSON, Bearer: c.Bearer}) {
				t.Errorf("%s: %s", c.Method, v)
			}
		}
	})
}
