package bot

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// countingStore counts the statements that mark messages delivered, and
// holds the first batch until released so that others gather behind it.
type countingStore struct {
	storage.Store
	mu       sync.Mutex
	batches  [][]int64
	singles  int
	first    chan struct{}
	released chan struct{}
}

func (c *countingStore) MarkDeliveredMany(ctx context.Context, ids []int64, at time.Time) (int, error) {
	c.mu.Lock()
	c.batches = append(c.batches, append([]int64(nil), ids...))
	firstCall := len(c.batches) == 1
	c.mu.Unlock()
	if firstCall {
		close(c.first)
		<-c.released
	}
	return c.Store.MarkDeliveredMany(ctx, ids, at)
}

func (c *countingStore) MarkDelivered(ctx context.Context, id int64, at time.Time) error {
	c.mu.Lock()
	c.singles++
	c.mu.Unlock()
	return c.Store.MarkDelivered(ctx, id, at)
}

// Marks that arrive while one statement runs go out together in the next,
// each caller learns its own outcome, and a message no longer pending is
// told apart by marking it alone.
func TestMarkBatcherGroupsMarks(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var msgs []storage.OutboxMessage
		for _, ch := range []string{"C1", "C2", "C3", "C4", "C5"} {
			msgs = append(msgs, storage.OutboxMessage{Platform: "slack", Channel: ch, Kind: OpPost,
				Payload: []byte(`{}`), NextAttemptAt: now, CreatedAt: now})
		}
		if err := s.EnqueueOutbox(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
		claimed, err := s.ClaimOutbox(ctx, now, time.Minute, 10)
		if err != nil || len(claimed) != 5 {
			t.Fatalf("claim: %d, %v", len(claimed), err)
		}
		// The last one is finished by someone else meanwhile (dead).
		if err := s.KillOutbox(ctx, claimed[4].ID, "gave up"); err != nil {
			t.Fatal(err)
		}
		cs := &countingStore{Store: s, first: make(chan struct{}), released: make(chan struct{})}
		b := &markBatcher{store: cs, now: func() time.Time { return now }}
		errs := make([]error, 5)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); errs[0] = b.mark(ctx, claimed[0].ID) }()
		<-cs.first
		for i := 1; i < 5; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = b.mark(ctx, claimed[i].ID) }()
		}
		// Let the four queue behind the first statement.
		for {
			b.mu.Lock()
			n := len(b.ids)
			b.mu.Unlock()
			if n == 4 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		close(cs.released)
		wg.Wait()
		if len(cs.batches) != 2 || len(cs.batches[1]) != 4 {
			t.Fatalf("batches %v, want [first] then the four others together", cs.batches)
		}
		for i := range 4 {
			if errs[i] != nil {
				t.Errorf("mark %d: %v", i, errs[i])
			}
			m, err := s.GetOutbox(ctx, claimed[i].ID)
			if err != nil || m.Status != storage.OutboxDelivered {
				t.Errorf("message %d: %v, %v; want delivered", i, m.Status, err)
			}
		}
		if !errors.Is(errs[4], storage.ErrConflict) {
			t.Errorf("mark of a dead message = %v, want ErrConflict", errs[4])
		}
		if cs.singles != 4 {
			t.Errorf("%d single marks, want 4 (the batch that held the dead message, one by one)", cs.singles)
		}
	})
}
