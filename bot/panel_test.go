package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// TestPanelsShowOnTheCard: a feature's panel (here, a stand-in for the
// impact probes) reads the incident in the command's transaction and its
// lines appear on the card, under the clocks, on declare, on every change
// and in /incident status; a failing panel fails the unit of work rather
// than posting a card that hides what the feature knows.
func TestPanelsShowOnTheCard(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		var fail bool
		panel := bot.PanelFunc(func(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) ([]bot.Block, error) {
			if fail {
				return nil, context.DeadlineExceeded
			}
			if _, err := q.GetIncident(ctx, inc.ID); err != nil && inc.ID != 0 {
				return nil, err
			}
			return []bot.Block{{Kind: bot.BlockText, Text: bot.Textf("📈 probe: %s is %s", "checkout-errors <@U9>", string(inc.Severity))}}, nil
		})
		h := newHarness(t, s, bot.Options{Panels: []bot.Panel{panel}})
		key, ch := h.declare(alice, "declare sev2 Checkout errors")
		h.drain()
		card := panelText(h.lastCard(key))
		if !strings.Contains(card, "📈 probe: checkout-errors <@U9> is sev2") {
			t.Fatalf("card lacks the panel:\n%s", card)
		}
		h.do(alice, ch, "sev 1")
		h.drain()
		if card := panelText(h.lastCard(key)); !strings.Contains(card, "is sev1") {
			t.Fatalf("card after a change lacks the panel's new line:\n%s", card)
		}
		if r := h.do(alice, ch, "status"); !strings.Contains(panelText(r.Message), "is sev1") {
			t.Errorf("status lacks the panel: %s", panelText(r.Message))
		}
		fail = true
		if _, err := h.engine.Handle(context.Background(), bot.Invocation{Channel: ch, Actor: alice, Text: "sev 3"}); err == nil {
			t.Error("a failing panel let the change commit")
		}
	})
}

// panelText is a message's text blocks in the model's notation.
func panelText(m bot.Message) string {
	var parts []string
	for _, b := range m.Blocks {
		if b.Kind == bot.BlockText {
			parts = append(parts, b.Text.Notation())
		}
	}
	return strings.Join(parts, "\n")
}
