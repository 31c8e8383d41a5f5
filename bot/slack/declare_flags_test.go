package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// Issue #15, over signed HTTP: a title that starts with "Here" is a title,
// and the incident gets a channel of its own; the channel it was typed in
// stays free.
func TestSlackTitleStartingWithHereOpensAChannel(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	status, body := h.slash("U1", "CLOBBY", "declare Here comes trouble")
	if status != http.StatusOK || !strings.Contains(body, "Declared INC-1") || !strings.Contains(body, "Here comes trouble") {
		t.Fatalf("declare: %d %s", status, body)
	}
	h.drain()
	creates := h.fake.OK("conversations.create")
	if len(creates) != 1 || creates[0].Form.Get("name") != "inc-1-here-comes-trouble" {
		t.Fatalf("conversations.create: %+v", creates)
	}
	inc, err := h.store.GetIncidentByKey(context.Background(), "INC-1")
	if err != nil || inc.Title != "Here comes trouble" {
		t.Fatalf("incident %+v %v", inc, err)
	}
	if _, err := h.store.GetIncidentByChannel(context.Background(), channelRef("CLOBBY")); err == nil {
		t.Fatal("#general became the incident's channel")
	}
}

// "/incident declare here" opens the form; the form says "here" as a
// field, so its title is never read for flags, and the channel is bound.
func TestSlackDeclareHereFormBindsTheChannel(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.AddChannel("CWAR", "war-room", false, "U1", testBotUser)
	if status, body := h.slash("U1", "CWAR", "declare here"); status != http.StatusOK || body != "" {
		t.Fatalf("declare here: %d %q, want the form", status, body)
	}
	opens := h.fake.OK("views.open")
	if len(opens) != 1 {
		t.Fatalf("views.open called %d times", len(opens))
	}
	view := opens[0].JSON["view"].(map[string]any)
	if view["submit"].(map[string]any)["text"] != "Declare here" {
		t.Errorf("submit label %v", view["submit"])
	}
	state := map[string]any{"values": map[string]any{
		"title":    map[string]any{"title": map[string]any{"type": "plain_text_input", "value": "Private beta sev2 signups fail"}},
		"severity": map[string]any{"severity": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "sev3"}}},
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
	inc, err := h.store.GetIncidentByChannel(context.Background(), channelRef("CWAR"))
	if err != nil || inc.Title != "Private beta sev2 signups fail" || string(inc.Severity) != "sev3" || inc.Private {
		t.Fatalf("incident of #war-room: %+v %v", inc, err)
	}
	if n := len(h.fake.OK("conversations.create")); n != 0 {
		t.Fatalf("declare here opened %d channels", n)
	}
}

// Issue #15, over signed HTTP: one "declare here" in #war-room blocked the
// channel for good. Resolved, the incident gives it back.
func TestSlackDeclareHereAgainAfterResolve(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t))
	h.fake.AddChannel("CWAR", "war-room", false, "U1", "U2", testBotUser)
	if status, body := h.slash("U1", "CWAR", "declare here sev2 Checkout errors"); status != http.StatusOK || !strings.Contains(body, "Declared INC-1") {
		t.Fatalf("declare here: %d %s", status, body)
	}
	h.drain()
	if status, body := h.slash("U1", "CWAR", "resolve --ongoing flag default fixed"); status != http.StatusOK || !strings.Contains(body, "Resolved INC-1") {
		t.Fatalf("resolve: %d %s", status, body)
	}
	status, body := h.slash("U2", "CWAR", "declare here sev4 Search is slow")
	if status != http.StatusOK || !strings.Contains(body, "Declared INC-2") {
		t.Fatalf("declare here again: %d %s", status, body)
	}
	h.drain()
	if _, body := h.slash("U2", "CWAR", "status"); !strings.Contains(body, "INC-2") || !strings.Contains(body, "Search is slow") {
		t.Fatalf("status in #war-room: %s", body)
	}
	// Both cards are in the channel; INC-1's stays there for its late updates.
	if n := len(h.fake.Channel("CWAR").Pins); n != 2 {
		t.Errorf("%d pinned cards in #war-room, want both incidents'", n)
	}
}
