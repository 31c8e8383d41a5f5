package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot/bottest"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/conformance"
	"github.com/tourniquet/tourniquet/internal/conformance/scenario"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// conformanceHarness is a harness whose engine is a scenario world: many
// actions for one service, their runner, the check-in scheduler.
func conformanceHarness(t *testing.T) (*harness, *scenario.World) {
	t.Helper()
	return scenarioHarness(t, storagetest.NewSQLite(t))
}

// scenarioHarness is conformanceHarness on a given store.
func scenarioHarness(t *testing.T, store storage.Store) (*harness, *scenario.World) {
	t.Helper()
	clk := clock.NewFake(t0)
	logs := &bottest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := scenario.New(t, store, clk, log)
	return startHarness(t, store, clk, w.Engine, logs, log), w
}

// buttonValues are the commands of a message's buttons, by label.
func buttonValues(blocks []any) map[string]string {
	out := map[string]string{}
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		els, _ := bm["elements"].([]any)
		for _, e := range els {
			em, _ := e.(map[string]any)
			if em["type"] != "button" {
				continue
			}
			text, _ := em["text"].(map[string]any)
			label, _ := text["text"].(string)
			out[label], _ = em["value"].(string)
		}
	}
	return out
}

// lastWith is the newest message of a channel with a button labelled so.
func (h *harness) lastWith(channel, label string) map[string]string {
	h.t.Helper()
	msgs := h.fake.Channel(channel).Messages
	for i := len(msgs) - 1; i >= 0; i-- {
		if v := buttonValues(msgs[i].Blocks); v[label] != "" {
			return v
		}
	}
	h.t.Fatalf("no message in %s with a %q button", channel, label)
	return nil
}

// TestSlackConformance drives whole incidents through the real slack-go
// client and checks every call it made against Slack's Web API
// description and Block Kit's limits, and every answer the adapter gave
// Slack (slash command answers, response URL bodies) against Block Kit.
func TestSlackConformance(t *testing.T) {
	h, w := conformanceHarness(t)
	var answers []string
	slash := func(channel, text string) {
		t.Helper()
		status, body := h.slash("U1", channel, text)
		if status != http.StatusOK {
			t.Fatalf("/incident %s: %d %s", text, status, body)
		}
		answers = append(answers, body)
	}
	click := func(channel, value string) {
		t.Helper()
		status, body := h.interaction(h.clickPayload("U1", channel, value, h.clock.Now().Format("1504")+h.next()+".000100"))
		if status != http.StatusOK {
			t.Fatalf("click %q: %d %s", value, status, body)
		}
		h.ad.Wait()
		answers = append(answers, body)
	}

	// Declared by typing (Slack escapes what was typed) and from the form.
	slash("CLOBBY", "declare sev1 "+strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(scenario.Declared[0]))
	slash("CLOBBY", "")
	views := h.fake.OK("views.open")
	if len(views) != 1 {
		t.Fatalf("views.open: %d calls", len(views))
	}
	view, _ := views[0].JSON["view"].(map[string]any)
	status, body := h.interaction(map[string]any{
		"type": "view_submission", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U1", "name": "alice"},
		"view": map[string]any{"id": "V1", "type": "modal", "callback_id": CallbackDeclare, "private_metadata": view["private_metadata"],
			"state": map[string]any{"values": map[string]any{
				"title":    map[string]any{"title": map[string]any{"type": "plain_text_input", "value": scenario.Declared[1]}},
				"severity": map[string]any{"severity": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "sev2"}}},
				"services": map[string]any{"services": map[string]any{"type": "plain_text_input", "value": scenario.Service}},
				// The second incident is private: a private channel, no announcement.
				"private": map[string]any{"private": map[string]any{"type": "checkboxes",
					"selected_options": []any{map[string]any{"value": "private", "text": map[string]any{"type": "plain_text", "text": "Private incident"}}}}},
			}}},
	})
	if status != http.StatusOK {
		t.Fatalf("declare form: %d %s", status, body)
	}
	answers = append(answers, body)
	h.ad.Wait()
	h.drain()

	for _, key := range []string{"INC-1", "INC-2"} {
		inc, err := h.store.GetIncidentByKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		ch, ok := inc.ChannelOn("slack")
		if !ok {
			t.Fatalf("%s has no channel", key)
		}
		c := ch.ChannelID
		slash(c, "services "+scenario.Service)
		slash(c, "lead <@U2|bob>")
		slash(c, "update Error rate 40% &amp; rising, see <https://grafana.example/d/1|the dashboard> <!here>")
		h.drain()
		// The check-in, with every action under the question.
		w.CheckIn(t)
		h.drain()
		q := h.lastWith(c, "Partially")
		click(c, q["Partially"])
		// An action from the check-in, run; then the question after it.
		card := h.lastWith(c, "Roll back checkout step 0")
		click(c, card["Roll back checkout step 0"])
		w.Step(t)
		h.drain()
		// Resolving with impact ongoing asks first, privately.
		slash(c, "resolve too early")
		click(c, h.lastWith(c, "Yes, mitigated")["Yes, mitigated"])
		h.drain()
		slash(c, "actions")
		slash(c, "actions 2")
		slash(c, "role comms <@U3|carol>")
		slash("CLOBBY", "list")
		slash(c, "status")
		slash(c, "timeline")
		slash(c, "resolve rolled back; fixing forward")
		h.drain()
	}

	// The scenario did what it says: titles as typed, an action run, the
	// impact mitigated by a click, both incidents resolved.
	for i, key := range []string{"INC-1", "INC-2"} {
		inc, err := h.store.GetIncidentByKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		if inc.Title != scenario.Stored[i] || inc.Open() || inc.MitigatedAt == nil || inc.Lead.ID != "U2" || inc.RoleHolder("comms").ID != "U3" || inc.Private != (key == "INC-2") {
			t.Errorf("%s: %+v", key, inc)
		}
		evs := h.events(key)
		for _, k := range []incident.Kind{incident.KindCheckinAnswered, incident.KindActionSucceeded, incident.KindMitigated} {
			if len(kinds(evs, k)) == 0 {
				t.Errorf("%s: no %s event", key, k)
			}
		}
	}

	spec, err := conformance.Slack()
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	calls := h.fake.Calls()
	for _, c := range calls {
		for _, v := range spec.Check(conformance.SlackCall{Method: c.Method, HTTPMethod: c.HTTP, Form: c.Form, JSON: c.JSON, Bearer: c.Bearer}) {
			problems = append(problems, v.String())
		}
	}
	for i, hook := range h.fake.Hooks() {
		delete(hook, "_hook")
		for _, p := range conformance.SlackMessageLimits(hook) {
			problems = append(problems, fmt.Sprintf("response URL body %d: %s", i, p))
		}
	}
	for i, a := range answers {
		var m map[string]any
		if strings.TrimSpace(a) == "" || json.Unmarshal([]byte(a), &m) != nil {
			continue
		}
		for _, p := range conformance.SlackMessageLimits(m) {
			problems = append(problems, fmt.Sprintf("answer %d: %s", i, p))
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	methods := map[string]int{}
	for _, c := range calls {
		methods[c.Method]++
	}
	for _, m := range []string{"conversations.create", "chat.postMessage", "chat.update", "pins.add", "conversations.setTopic", "views.open", "chat.postEphemeral"} {
		if methods[m] == 0 {
			t.Errorf("the scenario made no %s call: %v", m, methods)
		}
	}
	t.Logf("checked %d Web API calls (%v), %d response URL bodies, %d answers", len(calls), methods, len(h.fake.Hooks()), len(answers))
}
