package bot_test

import (
	"context"
	"errors"
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

// TestPanelThatANoteChangesUpdatesTheCard: a note leaves the incident as
// it was, but a panel may show what the note changed in the store (here a
// count of notes): the card is then updated; a note that changes nothing
// the card shows (the panel says the same) sends no card update.
func TestPanelThatANoteChangesUpdatesTheCard(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		var counting bool
		panel := bot.PanelFunc(func(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) ([]bot.Block, error) {
			if !counting || inc.ID == 0 {
				return nil, nil
			}
			evs, err := q.ListEvents(ctx, inc.ID, 0, 0)
			if err != nil {
				return nil, err
			}
			n := 0
			for _, ev := range evs {
				if ev.Kind == incident.KindNote {
					n++
				}
			}
			return []bot.Block{{Kind: bot.BlockText, Text: bot.Textf("notes so far: %d", n)}}, nil
		})
		h := newHarness(t, s, bot.Options{Panels: []bot.Panel{panel}})
		key, ch := h.declare(alice, "declare sev2 Checkout errors")
		h.drain()
		updates := len(h.rec.Ops("update"))
		h.do(alice, ch, "note nothing the card shows")
		h.drain()
		if got := len(h.rec.Ops("update")); got != updates {
			t.Fatalf("a note the card does not show sent %d card updates", got-updates)
		}
		counting = true
		h.do(alice, ch, "note counted")
		h.drain()
		if got := len(h.rec.Ops("update")); got != updates+1 {
			t.Fatalf("a note the panel counts sent %d card updates, want 1", got-updates)
		}
		if card := panelText(h.lastCard(key)); !strings.Contains(card, "notes so far: 2") {
			t.Errorf("the card does not show the panel's count:\n%s", card)
		}
	})
}

// TestDrillBannerReadOncePerUnitOfWork: the card of a note is built from
// the panels as loaded and after the handler, and both read the drill;
// the store is asked once per unit of work, and a drill created in the
// unit of work is seen by the card built after it.
func TestDrillBannerReadOncePerUnitOfWork(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		reads := 0
		panel := bot.PanelFunc(func(ctx context.Context, q storage.Querier, inc *incident.Incident, now time.Time) ([]bot.Block, error) {
			if inc.ID == 0 {
				return nil, nil
			}
			reads++
			d, err := q.GetDrill(ctx, inc.ID)
			if errors.Is(err, storage.ErrNotFound) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return []bot.Block{{Kind: bot.BlockText, Text: bot.Textf("DRILL of %s", d.Service)}}, nil
		})
		counting := &countingStore{Store: s}
		h := newHarness(t, counting, bot.Options{Panels: []bot.Panel{panel}})
		key, ch := h.declare(alice, "declare sev2 Checkout errors")
		h.drain()
		reads, counting.drills = 0, 0
		h.do(alice, ch, "sev 1")
		if reads != 2 || counting.drills != 1 {
			t.Errorf("a change read the drill panel %d times and the store %d times, want 2 and 1", reads, counting.drills)
		}
		// A drill created in a unit of work shows on the card it sends.
		inc, err := s.GetIncidentByKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(context.Background(), func(ctx context.Context, q storage.Querier) error {
			return h.engine.RunAsSystem(ctx, q, inc.ID, incident.SourceTyped, func(ctx context.Context, tx *bot.Tx) error {
				if _, err := tx.Q.GetDrill(ctx, inc.ID); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("GetDrill before the drill: %v", err)
				}
				if err := tx.Q.CreateDrill(ctx, storage.Drill{IncidentID: inc.ID, Service: "checkout", StartedAt: tx.Now}); err != nil {
					return err
				}
				tx.Record(incident.NewEvent(tx.Now, incident.KindNote, incident.System, "drill", nil))
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		h.drain()
		if card := panelText(h.lastCard(key)); !strings.Contains(card, "DRILL of checkout") {
			t.Errorf("the card after the drill was created lacks its banner:\n%s", card)
		}
	})
}

// countingStore counts the GetDrill calls that reach the store.
type countingStore struct {
	storage.Store
	drills int
}

func (s *countingStore) InTx(ctx context.Context, fn func(ctx context.Context, q storage.Querier) error) error {
	return s.Store.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return fn(ctx, countingQuerier{Querier: q, s: s})
	})
}

type countingQuerier struct {
	storage.Querier
	s *countingStore
}

func (q countingQuerier) GetDrill(ctx context.Context, incidentID int64) (storage.Drill, error) {
	q.s.drills++
	return q.Querier.GetDrill(ctx, incidentID)
}
