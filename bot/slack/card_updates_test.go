package slack

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// A note typed in an incident channel reaches Slack as its line alone: it
// changes nothing the pinned card shows, so the card is not updated (one
// Web API call per note, not two). A change the card shows updates it, and
// several pending changes update it in the order they were made, the
// card ending as the last one left it.
func TestNoteLeavesTheCardAndChangesUpdateItInOrder(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		h := newHarness(t, s)
		h.fake.AddChannel("CINC", "inc-room", false, "U1", "U2", testBotUser)
		h.declareHere("CINC", "Checkout errors")
		card := ""
		for _, m := range h.fake.Channel("CINC").Messages {
			if strings.HasPrefix(m.Text, "SEV2 INC-1: Checkout errors") {
				card = m.TS
			}
		}
		if card == "" {
			t.Fatal("no card in the incident channel")
		}
		slash := func(text string) {
			t.Helper()
			if status, body := h.slash("U1", "CINC", text); status != http.StatusOK {
				t.Fatalf("/incident %s: status %d: %s", text, status, body)
			}
		}

		before := len(h.fake.Calls())
		slash("note checked the dashboards")
		h.drain()
		var posts, updates []string
		for _, c := range h.fake.Calls()[before:] {
			switch c.Method {
			case "chat.postMessage":
				posts = append(posts, c.Form.Get("text"))
			case "chat.update":
				updates = append(updates, c.Form.Get("text"))
			}
		}
		if len(posts) != 1 || !strings.Contains(posts[0], "checked the dashboards") {
			t.Errorf("a note posted %q, want its line once", posts)
		}
		if len(updates) != 0 {
			t.Errorf("a note updated the card: %q", updates)
		}

		// Three changes the card shows, queued before any is delivered.
		slash("sev 1")
		slash("mitigated")
		slash("lead <@U2>")
		h.drain()
		updates = nil
		for _, c := range h.fake.OK("chat.update") {
			if c.Form.Get("ts") != card {
				t.Errorf("chat.update of %s, want the card %s", c.Form.Get("ts"), card)
			}
			updates = append(updates, c.Form.Get("text")+" "+c.Form.Get("blocks"))
		}
		if len(updates) != 3 {
			t.Fatalf("%d card updates for three changes, want 3: %q", len(updates), updates)
		}
		for i, want := range []string{"SEV1", "mitigated", "U2"} {
			if !strings.Contains(updates[i], want) {
				t.Errorf("card update %d lacks %q (out of order?): %s", i+1, want, updates[i])
			}
		}
		if strings.Contains(updates[0], "mitigated after") {
			t.Errorf("the first update already shows the mitigation: out of order: %s", updates[0])
		}
		var last string
		for _, m := range h.fake.Channel("CINC").Messages {
			if m.TS == card {
				last = m.Text
			}
		}
		if !strings.HasPrefix(last, "SEV1 INC-1") || !strings.Contains(last, "mitigated after") {
			t.Errorf("the card reads %q, want SEV1 and mitigated", last)
		}
	})
}
