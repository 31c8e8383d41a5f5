package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// handoffRecorder is a sender's take: it keeps what it is handed.
type handoffRecorder struct {
	mu     sync.Mutex
	handed []storage.OutboxMessage
}

func (r *handoffRecorder) take(msgs []storage.OutboxMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handed = append(r.handed, msgs...)
}

// drain returns what was handed since the last drain.
func (r *handoffRecorder) drain() []storage.OutboxMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.handed
	r.handed = nil
	return out
}

// testOutboxHandoff: with a handoff set, a due message that is its
// channel's head is committed claimed and handed over after the commit;
// a channel's later messages, messages not due yet, and messages of a
// rolled-back transaction are not; a claim skips a handed message until
// its lease runs out, then takes it as a retry; stop ends the handoff.
func testOutboxHandoff(t *testing.T, s storage.Store) {
	h, ok := s.(storage.OutboxHandoff)
	if !ok {
		t.Skipf("%s store does not hand messages over", s.Dialect())
	}
	ctx := ctxFor(t)
	rec := &handoffRecorder{}
	now := base
	stop := h.HandOffOutbox(func() time.Time { return now }, time.Minute, rec.take)
	defer stop()

	// C1's first message is handed over; its second, queued behind it,
	// and D1's, not due for a minute, are not.
	later := outboxMsg("slack", "D1", 3, 0)
	later.NextAttemptAt = at(time.Minute)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 7), outboxMsg("slack", "C1", 2, 7), later)
	handed := rec.drain()
	if got := ns(t, handed); len(got) != 1 || got[0] != 1 {
		t.Fatalf("handed %v, want [1] (C1's head only)", got)
	}
	m := handed[0]
	if m.ID == 0 || m.Attempts != 1 || m.Status != storage.OutboxPending || m.Platform != "slack" ||
		m.Channel != "C1" || m.Kind != "post" || m.IncidentID != 7 {
		t.Errorf("handed %+v, want it as a claim returns it", m)
	}
	if stored := mustGetOutbox(t, s, m.ID); stored.Attempts != 1 || stored.Status != storage.OutboxPending ||
		string(stored.Payload) != string(m.Payload) {
		t.Errorf("stored %+v (payload %s), handed payload %s", stored, stored.Payload, m.Payload)
	}
	// It is leased: a claim within the lease takes nothing of C1.
	if got := ns(t, mustClaim(t, s, at(30*time.Second), time.Minute, 10)); len(got) != 0 {
		t.Errorf("claim within the handed message's lease took %v, want nothing", got)
	}
	// Delivered and marked, C1's second message is claimed as usual.
	if err := s.MarkDelivered(ctx, m.ID, at(time.Second)); err != nil {
		t.Fatal(err)
	}
	second := mustClaim(t, s, at(2*time.Second), time.Minute, 10)
	if got := ns(t, second); len(got) != 1 || got[0] != 2 {
		t.Fatalf("after the handed head was delivered, claimed %v, want [2]", got)
	}

	// A transaction rolled back hands nothing over, and leaves nothing.
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.EnqueueOutbox(ctx, outboxMsg("slack", "E1", 4, 0)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	if got := rec.drain(); len(got) != 0 {
		t.Errorf("a rolled-back transaction handed %v over", ns(t, got))
	}
	// Committed in a transaction, heads of two channels, in ID order.
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.EnqueueOutbox(ctx, outboxMsg("slack", "F1", 5, 0), outboxMsg("discord", "F1", 6, 0))
	})
	if err != nil {
		t.Fatal(err)
	}
	handed = rec.drain()
	if got := ns(t, handed); len(got) != 2 || got[0] != 5 || got[1] != 6 || handed[0].ID >= handed[1].ID {
		t.Errorf("handed %v, want [5 6] in ID order", got)
	}

	// A handed message never finished is claimed again once its lease
	// has run out, as a second attempt (a retry).
	now = at(3 * time.Second)
	mustEnqueue(t, s, outboxMsg("slack", "G1", 8, 0))
	lost := rec.drain()
	if len(lost) != 1 {
		t.Fatalf("handed %d messages, want 1", len(lost))
	}
	again := mustClaim(t, s, now.Add(time.Minute), time.Minute, 10)
	var found bool
	for _, c := range again {
		if c.ID == lost[0].ID {
			found = true
			if c.Attempts != 2 {
				t.Errorf("reclaimed handed message has %d attempts, want 2", c.Attempts)
			}
		}
	}
	if !found {
		t.Errorf("a handed message whose lease ran out was not claimed again (claimed %v)", ns(t, again))
	}

	// Stopped, the store hands nothing over: messages wait for a claim.
	stop()
	mustEnqueue(t, s, outboxMsg("slack", "H1", 9, 0))
	if got := rec.drain(); len(got) != 0 {
		t.Errorf("after stop, handed %v", ns(t, got))
	}
	if got := ns(t, mustClaim(t, s, now, time.Minute, 10)); len(got) != 1 || got[0] != 9 {
		t.Errorf("after stop, claimed %v, want [9]", got)
	}
}
