package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// Issue #15, over signed HTTP: "/incident declare private …" opens a
// private channel (is_private=true) with the declarer and the responders,
// posts the card there, and announces nothing.
func TestSlackDeclarePrivateOpensAPrivateChannel(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	status, body := h.slash("U1", "CLOBBY", "declare private sev1 Payroll export leaks")
	if status != http.StatusOK || !strings.Contains(body, "Declared INC-1") || !strings.Contains(body, "private channel") {
		t.Fatalf("declare private: %d %s", status, body)
	}
	h.drain()
	creates := h.fake.OK("conversations.create")
	if len(creates) != 1 || creates[0].Form.Get("is_private") != "true" || creates[0].Form.Get("name") != "inc-1-payroll-export-leaks" {
		t.Fatalf("conversations.create: %+v", creates)
	}
	ch := h.fake.ChannelByName("inc-1-payroll-export-leaks")
	if ch == nil || !ch.Private || !ch.Members["U1"] || !ch.Members["U3"] {
		t.Fatalf("private channel %+v: want the declarer and the responder in it", ch)
	}
	if len(ch.Messages) == 0 || !ch.Pins[ch.Messages[0].TS] {
		t.Errorf("card not posted and pinned in the private channel")
	}
	if a := h.announcements(); len(a) != 0 {
		t.Fatalf("a private incident was announced: %+v", a)
	}
	for _, c := range h.fake.OK("chat.postMessage") {
		if c.Form.Get("channel") != ch.ID {
			t.Errorf("posted to %s, outside the private channel: %s", c.Form.Get("channel"), c.Form.Get("text"))
		}
	}
	inc, err := h.store.GetIncidentByKey(context.Background(), "INC-1")
	if err != nil || !inc.Private {
		t.Fatalf("incident %+v %v", inc, err)
	}
}

// The declare form's checkbox makes the incident private.
func TestSlackDeclareFormPrivateCheckbox(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	if status, body := h.slash("U1", "CLOBBY", "declare private"); status != http.StatusOK || body != "" {
		t.Fatalf("declare private: %d %q, want the form", status, body)
	}
	view := h.fake.OK("views.open")[0].JSON["view"].(map[string]any)
	var box map[string]any
	for _, b := range view["blocks"].([]any) {
		if bm := b.(map[string]any); bm["block_id"] == bot.FieldPrivate {
			box = bm["element"].(map[string]any)
		}
	}
	if box == nil || box["type"] != "checkboxes" || len(box["initial_options"].([]any)) != 1 {
		t.Fatalf("private checkbox %v: want it checked for declare private", box)
	}
	state := map[string]any{"values": map[string]any{
		"title":    map[string]any{"title": map[string]any{"type": "plain_text_input", "value": "Payroll export leaks"}},
		"severity": map[string]any{"severity": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "sev1"}}},
		"private": map[string]any{"private": map[string]any{"type": "checkboxes",
			"selected_options": []any{map[string]any{"value": "private", "text": map[string]any{"type": "plain_text", "text": "Private incident"}}}}},
	}}
	status, body := h.interaction(map[string]any{
		"type": "view_submission", "team": map[string]any{"id": "T1"},
		"user": map[string]any{"id": "U1", "name": "alice"},
		"view": map[string]any{"id": "V1", "type": "modal", "callback_id": CallbackDeclare, "hash": "h1",
			"private_metadata": view["private_metadata"], "state": state},
	})
	if status != http.StatusOK || body != "" {
		t.Fatalf("submit: %d %q", status, body)
	}
	h.ad.Wait()
	h.drain()
	if c := h.fake.OK("conversations.create"); len(c) != 1 || c[0].Form.Get("is_private") != "true" {
		t.Fatalf("conversations.create: %+v", c)
	}
	if a := h.announcements(); len(a) != 0 {
		t.Fatalf("announced: %+v", a)
	}
}

// When the answer to creating a private channel is lost, the retry finds
// the private channel the first try made instead of opening a second one.
func TestPrivateChannelRetryFindsTheChannelItCreated(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	ctx := context.Background()
	h.fake.LoseNext("conversations.create", 1)
	r, err := h.engine.Handle(ctx, bot.Invocation{Channel: channelRef("CLOBBY"), Actor: alice, Text: "declare private sev2 Payroll export leaks"})
	if err != nil || r.Error {
		t.Fatalf("declare: %v %+v", err, r)
	}
	h.drain()
	ad := h.restart()
	sender := bot.NewSender(bot.SenderOptions{Store: h.store, Clock: h.clock, Deliverers: []bot.Deliverer{ad}, MaxAttempts: 3, Logger: h.ad.log})
	h.clock.Advance(time.Hour)
	if err := sender.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	created := h.incidentChannels("inc-")
	if len(created) != 1 || !created[0].Private {
		t.Fatalf("%d incident channels (%+v), want the one private channel", len(created), created)
	}
	inc, _ := h.store.GetIncidentByKey(ctx, r.IncidentKey)
	if ch, ok := inc.ChannelOn(Platform); !ok || ch.ChannelID != created[0].ID {
		t.Fatalf("bound %v, want %s", ch, created[0].ID)
	}
	for _, c := range h.fake.OK("users.conversations") {
		if !strings.Contains(c.Form.Get("types"), "private_channel") {
			t.Errorf("searched %q for a private channel", c.Form.Get("types"))
		}
	}
}
