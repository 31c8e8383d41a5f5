package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// effects is what a request may change: incidents, the timeline of one
// incident, the outbox, and calls to Slack.
type effects struct{ incidents, events, outbox, calls int }

func (h *harness) effects(key string) effects {
	h.t.Helper()
	h.ad.Wait()
	return effects{h.countIncidents(), len(h.events(key)), h.pendingOutbox(), len(h.fake.Calls())}
}

func TestSignedRequestsOnEveryRoute(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s)
		h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
		inc := h.declareHere("CINC", "Signed requests")
		msgTS := h.fake.AddMessage("CINC", "U2", "replica lag 40s")

		valid := map[string]func(n int) (string, string, []byte){
			RouteCommands: func(n int) (string, string, []byte) {
				return RouteCommands, "application/x-www-form-urlencoded", h.slashForm("U1", "CLOBBY", "declare sev2 Signed declare")
			},
			RouteInteractions: func(n int) (string, string, []byte) {
				js, _ := json.Marshal(h.clickPayload("U2", "CINC", "update signed click", "1772373700.00000"+string(rune('0'+n))))
				return RouteInteractions, "application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(js)}}.Encode())
			},
			RouteEvents: func(n int) (string, string, []byte) {
				body, _ := json.Marshal(map[string]any{"type": "event_callback", "event_id": "EvSigned" + string(rune('0'+n)),
					"authorizations": []any{map[string]any{"user_id": testBotUser, "is_bot": true}},
					"event": map[string]any{"type": "reaction_added", "user": "U1", "reaction": "pushpin", "item_user": "U2",
						"item": map[string]any{"type": "message", "channel": "CINC", "ts": msgTS}}})
				return RouteEvents, "application/json", body
			},
		}
		bad := []struct {
			name   string
			mangle func(r *http.Request, body []byte) []byte
		}{
			{"timestamp 301s old", func(r *http.Request, body []byte) []byte {
				ts, sig := Sign(testSecret, h.clock.Now().Add(-301*time.Second), body)
				r.Header.Set(headerTimestamp, ts)
				r.Header.Set(headerSignature, sig)
				return body
			}},
			{"timestamp 301s ahead", func(r *http.Request, body []byte) []byte {
				ts, sig := Sign(testSecret, h.clock.Now().Add(301*time.Second), body)
				r.Header.Set(headerTimestamp, ts)
				r.Header.Set(headerSignature, sig)
				return body
			}},
			{"one body byte changed", func(r *http.Request, body []byte) []byte {
				b := append([]byte(nil), body...)
				b[len(b)/2] ^= 0x01
				return b
			}},
			{"signature header missing", func(r *http.Request, body []byte) []byte {
				r.Header.Del(headerSignature)
				return body
			}},
			{"timestamp header missing", func(r *http.Request, body []byte) []byte {
				r.Header.Del(headerTimestamp)
				return body
			}},
			{"signature not hex", func(r *http.Request, body []byte) []byte {
				r.Header.Set(headerSignature, "v0="+strings.Repeat("zz", 32))
				return body
			}},
			{"signed with another secret", func(r *http.Request, body []byte) []byte {
				_, sig := Sign("not-the-secret", h.clock.Now(), body)
				r.Header.Set(headerSignature, sig)
				return body
			}},
		}
		for _, route := range []string{RouteCommands, RouteInteractions, RouteEvents} {
			for i, c := range bad {
				t.Run(strings.TrimPrefix(route, "/slack/")+"/"+c.name, func(t *testing.T) {
					before := h.effects(inc.Key)
					path, ct, body := valid[route](i)
					signed := h.signed(path, ct, body)
					sent := c.mangle(signed, body)
					req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(string(sent)))
					req.Header = signed.Header
					status, resp := h.do(req)
					if status != http.StatusUnauthorized || resp != "" {
						t.Fatalf("got %d %q, want a bare 401", status, resp)
					}
					if after := h.effects(inc.Key); after != before {
						t.Fatalf("a refused request had an effect: %+v → %+v", before, after)
					}
				})
			}
			t.Run(strings.TrimPrefix(route, "/slack/")+"/valid", func(t *testing.T) {
				before := h.effects(inc.Key)
				path, ct, body := valid[route](9)
				status, _ := h.do(h.signed(path, ct, body))
				if status != http.StatusOK {
					t.Fatalf("valid request: %d", status)
				}
				if after := h.effects(inc.Key); after == before {
					t.Fatalf("the valid request had no effect: %+v", after)
				}
			})
		}
	})
}

func TestEventDeliveredThreeTimesIsOneNote(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s)
		h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
		inc := h.declareHere("CINC", "Replica lag")
		ts := h.fake.AddMessage("CINC", "U2", "Failover to the replica started at 14:03")
		reaction := map[string]any{"type": "reaction_added", "user": "U1", "reaction": "pushpin", "item_user": "U2",
			"item": map[string]any{"type": "message", "channel": "CINC", "ts": ts}, "event_ts": "1772373700.000100"}
		for retry := range 3 {
			if status, body := h.event("Ev0001", reaction, retry); status != http.StatusOK {
				t.Fatalf("delivery %d: %d %s", retry+1, status, body)
			}
		}
		notes := kinds(h.events(inc.Key), incident.KindNote)
		if len(notes) != 1 {
			t.Fatalf("%d notes after three deliveries, want 1: %+v\n%s\n%+v", len(notes), notes, h.logs, h.fake.Calls())
		}
		n := notes[0]
		if n.Actor.ID != "U2" || n.Actor.Name != "Bob" || n.Text != "Failover to the replica started at 14:03" {
			t.Errorf("note by %+v: %q", n.Actor, n.Text)
		}
		if link, _ := n.Data["permalink"].(string); !strings.Contains(link, "/archives/CINC/p") {
			t.Errorf("permalink = %v", n.Data["permalink"])
		}
		if n.Data["added_by"] != "slack:U1" {
			t.Errorf("added_by = %v", n.Data["added_by"])
		}
		// Another emoji, and a reaction in a channel that is no incident's,
		// do nothing.
		other := map[string]any{"type": "reaction_added", "user": "U1", "reaction": "eyes", "item_user": "U2",
			"item": map[string]any{"type": "message", "channel": "CINC", "ts": ts}}
		lobby := map[string]any{"type": "reaction_added", "user": "U1", "reaction": "pushpin", "item_user": "U2",
			"item": map[string]any{"type": "message", "channel": "CLOBBY", "ts": h.fake.AddMessage("CLOBBY", "U2", "lunch?")}}
		h.event("Ev0002", other, 0)
		h.event("Ev0003", lobby, 0)
		if n := len(kinds(h.events(inc.Key), incident.KindNote)); n != 1 {
			t.Errorf("%d notes, want still 1", n)
		}
		h.drain()
		var noted int
		for _, c := range h.fake.OK("chat.postMessage") {
			if c.Form.Get("channel") == "CINC" && strings.Contains(c.Form.Get("text"), "noted: Failover") {
				noted++
			}
		}
		if noted != 1 {
			t.Errorf("the note was announced %d times in the channel, want 1", noted)
		}
	})
}

func TestDeclareEndToEndOverHTTP(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s)
		status, body := h.slash("U1", "CLOBBY", "declare sev1 Checkout errors")
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		var reply map[string]any
		if err := json.Unmarshal([]byte(body), &reply); err != nil {
			t.Fatalf("answer is not JSON: %q", body)
		}
		if reply["response_type"] != "ephemeral" || !strings.Contains(reply["text"].(string), "Declared INC-1") {
			t.Fatalf("answer %v", reply)
		}
		h.drain()

		creates := h.fake.OK("conversations.create")
		if len(creates) != 1 || creates[0].Form.Get("name") != "inc-1-checkout-errors" {
			t.Fatalf("conversations.create: %+v", creates)
		}
		ch := h.fake.ChannelByName("inc-1-checkout-errors")
		if ch == nil || !ch.Members["U1"] || !ch.Members["U3"] {
			t.Fatalf("declarer and responder not invited: %+v", ch)
		}
		inc, err := h.store.GetIncidentByKey(context.Background(), "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := inc.ChannelOn(Platform); !ok || got.ChannelID != ch.ID {
			t.Fatalf("incident channel %+v, want %s", inc.Channels, ch.ID)
		}
		var card string
		for _, m := range h.fake.Channel(ch.ID).Messages {
			if strings.HasPrefix(m.Text, "SEV1 INC-1: Checkout errors") && len(m.Blocks) > 0 {
				card = m.TS
			}
		}
		if card == "" {
			t.Fatal("no card was posted in the incident channel")
		}
		if !ch.Pins[card] {
			t.Fatalf("the card %s is not pinned (pins %v)", card, ch.Pins)
		}
		if !strings.Contains(ch.Topic, "SEV1") || !strings.Contains(ch.Topic, "impact ongoing") {
			t.Errorf("topic %q", ch.Topic)
		}
		announced := false
		for _, c := range h.fake.OK("chat.postMessage") {
			if c.Form.Get("channel") == "CANNOUNCE" && strings.Contains(c.Form.Get("text"), "<#"+ch.ID+">") {
				announced = true
			}
		}
		if !announced {
			t.Error("the incident was not announced with a link to its channel")
		}
		declared := kinds(h.events("INC-1"), incident.KindDeclared)
		if len(declared) != 1 || declared[0].Actor.ID != "U1" || declared[0].Actor.Platform != Platform {
			t.Fatalf("declared events: %+v", declared)
		}
	})
}

func TestClickIsRecordedOnceAndAnsweredPrivately(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s)
		h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
		inc := h.declareHere("CINC", "Clicks")
		click := h.clickPayload("U2", "CINC", "mitigated", "1772373650.123456")
		for range 2 {
			status, body := h.interaction(click)
			if status != http.StatusOK || body != "" {
				t.Fatalf("click answered %d %q, want an empty 200", status, body)
			}
		}
		h.ad.Wait()
		mitigated := kinds(h.events(inc.Key), incident.KindMitigated)
		if len(mitigated) != 1 || mitigated[0].Source != incident.SourceButton || mitigated[0].Actor.ID != "U2" {
			t.Fatalf("mitigated events: %+v", mitigated)
		}
		hooks := h.fake.Hooks()
		if len(hooks) != 1 {
			t.Fatalf("%d replies to the response URL, want 1 (the duplicate shows nothing): %v", len(hooks), hooks)
		}
		if hooks[0]["response_type"] != "ephemeral" || hooks[0]["replace_original"] != false || !strings.Contains(hooks[0]["text"].(string), "mitigated") {
			t.Errorf("reply %v", hooks[0])
		}
	})
}

func TestStoreDownAnswers503(t *testing.T) {
	s := storagetest.NewSQLite(t)
	h := newHarness(t, s)
	h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
	h.declareHere("CINC", "Store down")
	_ = s.Close()
	status, body := h.slash("U1", "CINC", "update still failing")
	if status != http.StatusServiceUnavailable || body != "" {
		t.Errorf("slash command with the store down: %d %q, want an empty 503", status, body)
	}
	status, body = h.interaction(h.clickPayload("U2", "CINC", "mitigated", "1772373651.000001"))
	if status != http.StatusServiceUnavailable || body != "" {
		t.Errorf("click with the store down: %d %q, want an empty 503", status, body)
	}
	ts := h.fake.AddMessage("CINC", "U2", "note me")
	status, _ = h.event("EvDown", map[string]any{"type": "reaction_added", "user": "U1", "reaction": "pushpin", "item_user": "U2",
		"item": map[string]any{"type": "message", "channel": "CINC", "ts": ts}}, 0)
	if status != http.StatusServiceUnavailable {
		t.Errorf("event with the store down: %d, want 503", status)
	}
}

func TestURLVerificationAndMalformedPayloads(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	body, _ := json.Marshal(map[string]any{"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"})
	status, resp := h.do(h.signed(RouteEvents, "application/json", body))
	if status != http.StatusOK || !strings.Contains(resp, `"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"`) {
		t.Errorf("url_verification: %d %s", status, resp)
	}
	status, _ = h.do(h.signed(RouteEvents, "application/json", []byte("{not json")))
	if status != http.StatusBadRequest {
		t.Errorf("malformed event: %d, want 400", status)
	}
	status, _ = h.do(h.signed(RouteInteractions, "application/x-www-form-urlencoded", []byte("payload=%7Bnope")))
	if status != http.StatusBadRequest {
		t.Errorf("malformed interaction: %d, want 400", status)
	}
	big := make([]byte, DefaultMaxBody+1)
	status, resp = h.do(h.signed(RouteCommands, "application/x-www-form-urlencoded", big))
	if status != http.StatusUnauthorized || resp != "" {
		t.Errorf("over-size body: %d %q, want a bare 401", status, resp)
	}
}

func TestDeclareModal(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	for _, text := range []string{"", "declare sev1", "declare here"} {
		status, body := h.slash("U1", "CLOBBY", text)
		if status != http.StatusOK || body != "" {
			t.Fatalf("%q: %d %q, want an empty 200 (the modal opens)", text, status, body)
		}
	}
	opens := h.fake.OK("views.open")
	if len(opens) != 3 {
		t.Fatalf("views.open called %d times, want 3", len(opens))
	}
	view := opens[1].JSON["view"].(map[string]any)
	if view["callback_id"] != CallbackDeclare || opens[1].JSON["trigger_id"] == "" {
		t.Fatalf("views.open: %v", opens[1].JSON)
	}
	js, _ := json.Marshal(view)
	for _, want := range []string{`"block_id":"title"`, `"block_id":"severity"`, `"block_id":"services"`, `"block_id":"impact_started"`, `"block_id":"description"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("modal lacks %s: %s", want, js)
		}
	}
	sel := view["blocks"].([]any)[1].(map[string]any)["element"].(map[string]any)
	if init, _ := sel["initial_option"].(map[string]any); init["value"] != "sev1" {
		t.Errorf("declare sev1 should preselect sev1: %v", sel["initial_option"])
	}
	if n := h.countIncidents(); n != 0 {
		t.Fatalf("opening the modal declared %d incidents", n)
	}

	submit := func(viewID, impact string) (int, string) {
		state := map[string]any{"values": map[string]any{
			"title":          map[string]any{"title": map[string]any{"type": "plain_text_input", "value": "Here maps down for several users"}},
			"severity":       map[string]any{"severity": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "sev1"}}},
			"services":       map[string]any{"services": map[string]any{"type": "plain_text_input", "value": "auth, sso"}},
			"impact_started": map[string]any{"impact_started": map[string]any{"type": "plain_text_input", "value": impact}},
			"description":    map[string]any{"description": map[string]any{"type": "plain_text_input", "value": "Login 500s since 13:50 <deploy>"}},
		}}
		return h.interaction(map[string]any{
			"type": "view_submission", "team": map[string]any{"id": "T1"},
			"user": map[string]any{"id": "U1", "name": "alice"},
			"view": map[string]any{"id": viewID, "type": "modal", "callback_id": CallbackDeclare, "hash": "h1",
				"private_metadata": view["private_metadata"], "state": state},
		})
	}
	status, body := submit("V9", "yesterday")
	if status != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"impact_started"`) {
		t.Fatalf("bad impact start: %d %s", status, body)
	}
	if n := h.countIncidents(); n != 0 {
		t.Fatalf("a refused form declared %d incidents", n)
	}
	h.clock.Advance(20 * time.Minute)
	status, body = submit("V9", "-15m")
	if status != http.StatusOK || body != "" {
		t.Fatalf("good submission: %d %q, want an empty 200 (closes the modal)", status, body)
	}
	evs := h.events("INC-1")
	inc, _ := h.store.GetIncidentByKey(context.Background(), "INC-1")
	// A title that starts like "here" stays a title: not declare-here.
	if inc.Title != "Here maps down for several users" || len(inc.Channels) != 0 || inc.Severity != incident.Sev1 || strings.Join(inc.Services, ",") != "auth,sso" {
		t.Errorf("declared %+v", inc)
	}
	if !inc.ImpactStartedAt.Equal(h.clock.Now().Add(-15 * time.Minute)) {
		t.Errorf("impact started %s, want 15m before declaring", inc.ImpactStartedAt)
	}
	if len(kinds(evs, incident.KindNote)) != 1 || len(kinds(evs, incident.KindServicesChanged)) != 1 {
		t.Errorf("events %+v", evs)
	}
	h.ad.Wait()
	eph := h.fake.OK("chat.postEphemeral")
	if len(eph) != 1 || eph[0].Form.Get("channel") != "CLOBBY" || eph[0].Form.Get("user") != "U1" || !strings.Contains(eph[0].Form.Get("text"), "Declared INC-1") {
		t.Errorf("confirmation: %+v", eph)
	}
}

func TestPinAndShortcutCaptureNotes(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
	inc := h.declareHere("CINC", "Captures")
	a := h.fake.AddMessage("CINC", "U1", "Rolled back checkout to v41")
	b := h.fake.AddMessage("CINC", "U2", "Error rate back to 0.1%")

	pin := func(id, by, ts, author, text string) {
		t.Helper()
		status, _ := h.event(id, map[string]any{"type": "pin_added", "user": by, "channel_id": "CINC",
			"item": map[string]any{"type": "message", "channel": "CINC", "created_by": by,
				"message": map[string]any{"type": "message", "user": author, "text": text, "ts": ts}}}, 0)
		if status != http.StatusOK {
			t.Fatalf("pin_added: %d", status)
		}
	}
	pin("EvPin1", "U2", a, "U1", "Rolled back checkout to v41")
	// The bot pinning its own card is no note.
	pin("EvPin2", testBotUser, h.fake.Channel("CINC").Messages[0].TS, testBotUser, "SEV2 INC-1")

	shortcut := func(ts, author, text, responseID string) {
		t.Helper()
		status, body := h.interaction(map[string]any{
			"type": "message_action", "callback_id": CallbackAddToTimeline, "trigger_id": "trig.sc", "action_ts": "1772373800.1",
			"team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U1", "name": "alice"},
			"channel":      map[string]any{"id": "CINC", "name": "inc-room"},
			"message":      map[string]any{"type": "message", "user": author, "text": text, "ts": ts},
			"response_url": h.fake.HookURL(responseID),
		})
		if status != http.StatusOK || body != "" {
			t.Fatalf("shortcut: %d %q", status, body)
		}
	}
	shortcut(b, "U2", "Error rate back to 0.1%", "sc-1")
	shortcut(a, "U1", "Rolled back checkout to v41", "sc-2") // pinned already
	h.ad.Wait()

	notes := kinds(h.events(inc.Key), incident.KindNote)
	if len(notes) != 2 {
		t.Fatalf("%d notes, want 2: %+v", len(notes), notes)
	}
	if notes[0].Actor.ID != "U1" || notes[0].Data["added_by"] != "slack:U2" || notes[1].Actor.ID != "U2" || notes[1].Data["added_by"] != "slack:U1" {
		t.Errorf("notes %+v", notes)
	}
	// The two replies go out on their own goroutines: in either order.
	hooks := h.fake.Hooks()
	byHook := map[string]string{}
	for _, hk := range hooks {
		byHook[fmt.Sprint(hk["_hook"])] = fmt.Sprint(hk["text"])
	}
	if len(hooks) != 2 || !strings.Contains(byHook["sc-1"], "Recorded on INC-1") || !strings.Contains(byHook["sc-2"], "already") {
		t.Errorf("shortcut replies %v", hooks)
	}
}

func TestDeclareHereJoinsAPublicChannel(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.SetPublicWrite(false)
	h.fake.AddChannel("CPUB", "payments-oncall", false, "U1")
	status, body := h.slash("U1", "CPUB", "declare here sev3 Refund delays")
	if status != http.StatusOK || !strings.Contains(body, "Declared INC-1") {
		t.Fatalf("%d %s", status, body)
	}
	h.ad.Wait()
	if len(h.fake.OK("conversations.join")) != 1 || !h.fake.Channel("CPUB").Members[testBotUser] {
		t.Fatalf("the bot did not join the public channel: %+v", h.fake.Calls("conversations.info", "conversations.join"))
	}
	h.drain()
	ch := h.fake.Channel("CPUB")
	if len(ch.Messages) == 0 || !ch.Pins[ch.Messages[0].TS] {
		t.Errorf("card not posted and pinned in the channel: %+v", ch)
	}
}

func TestFailedResponseURLFallsBackWithoutLeakingIt(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
	h.declareHere("CINC", "Response URLs")
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	click := h.clickPayload("U2", "CINC", "status", "1772373690.000001")
	click["response_url"] = gone.URL + "/hooks/T1/B1/secret-token"
	if status, _ := h.interaction(click); status != http.StatusOK {
		t.Fatalf("click: %d", status)
	}
	h.ad.Wait()
	eph := h.fake.OK("chat.postEphemeral")
	if len(eph) != 1 || eph[0].Form.Get("user") != "U2" {
		t.Fatalf("no fallback to chat.postEphemeral: %+v", eph)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "could not answer through the response URL") || strings.Contains(logs, "secret-token") {
		t.Errorf("logs:\n%s", logs)
	}
}
