package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// claimOne enqueues a message on channel ch and claims it.
func claimOne(t *testing.T, s *Store, ch string) storage.OutboxMessage {
	t.Helper()
	ctx := testCtx(t)
	if err := s.EnqueueOutbox(ctx, storage.OutboxMessage{Platform: "slack", Channel: ch, Kind: "post",
		Payload: []byte(`{}`), CreatedAt: gcBase, NextAttemptAt: gcBase}); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.ClaimOutbox(ctx, gcBase, time.Minute, 1)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("claim: %v, %v", msgs, err)
	}
	return msgs[0]
}

func delivered(t *testing.T, s *Store, id int64) bool {
	t.Helper()
	m, err := s.GetOutbox(testCtx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Status == storage.OutboxDelivered
}

// waitRiders waits until n riders wait for a batch.
func waitRiders(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.gc.turn <- struct{}{}
		got := len(s.gc.riders)
		s.gc.giveBack()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d riders waiting, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// On a busy writer, marking a delivered message costs no commit of its
// own: it rides the next command's batch. A mark that nobody carries in
// time, or on an idle writer, is written alone; either way it is written.
func TestGroupCommitMarksRideTheNextBatch(t *testing.T) {
	s := openMigrated(t)
	ctx := testCtx(t)
	s.gc.rideWait = time.Hour // only the next batch, never the clock, seats the rider
	m := claimOne(t, s, "C1") // the writer has just been busy

	commits := s.gc.commits.Load()
	marked := make(chan error, 1)
	go func() { marked <- s.MarkDelivered(ctx, m.ID, gcBase) }()
	waitRiders(t, s, 1)
	if s.gc.commits.Load() != commits {
		t.Fatal("the mark committed on its own while the writer was busy")
	}
	if err := s.PutMessageRef(ctx, "command", ref(1)); err != nil {
		t.Fatal(err)
	}
	if err := <-marked; err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if got := s.gc.commits.Load() - commits; got != 1 {
		t.Errorf("%d commits for a command and a mark riding it, want 1", got)
	}
	if s.gc.rode.Load() != 1 || !delivered(t, s, m.ID) || !present(t, s, "command") {
		t.Errorf("rode %d; delivered %v; command present %v", s.gc.rode.Load(), delivered(t, s, m.ID), present(t, s, "command"))
	}

	// A rider whose work fails gets its error; the batch it rode commits
	// the rest. (Marking a message another worker killed is a conflict.)
	m2 := claimOne(t, s, "C2")
	if err := s.KillOutbox(ctx, m2.ID, "gone"); err != nil {
		t.Fatal(err)
	}
	go func() { marked <- s.MarkDelivered(ctx, m2.ID, gcBase) }()
	waitRiders(t, s, 1)
	if err := s.PutMessageRef(ctx, "command-2", ref(2)); err != nil {
		t.Fatal(err)
	}
	if err := <-marked; !errors.Is(err, storage.ErrConflict) {
		t.Errorf("mark of a killed message = %v, want a conflict", err)
	}
	if !present(t, s, "command-2") {
		t.Error("the batch a failing rider rode lost the command")
	}

	// A command that fails does not take the rider's work with it.
	m3 := claimOne(t, s, "C3")
	go func() { marked <- s.MarkDelivered(ctx, m3.ID, gcBase) }()
	waitRiders(t, s, 1)
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.PutMessageRef(ctx, "failed-command", ref(3)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	if err := <-marked; err != nil || !delivered(t, s, m3.ID) {
		t.Errorf("mark riding a failed command: %v, delivered %v", err, delivered(t, s, m3.ID))
	}
	if present(t, s, "failed-command") {
		t.Error("the failed command was written")
	}

	// Nobody begins a batch in time: the mark is written alone.
	s.gc.turn <- struct{}{}
	s.gc.rideWait = 20 * time.Millisecond
	s.gc.giveBack()
	m4 := claimOne(t, s, "C4")
	rode := s.gc.rode.Load()
	if n, err := s.MarkDeliveredMany(ctx, []int64{m4.ID}, gcBase); err != nil || n != 1 {
		t.Fatalf("MarkDeliveredMany = %d, %v", n, err)
	}
	if !delivered(t, s, m4.ID) || s.gc.rode.Load() != rode {
		t.Errorf("unridden mark: delivered %v, rode %d (want unchanged %d)", delivered(t, s, m4.ID), s.gc.rode.Load(), rode)
	}

	// On an idle writer it does not wait at all.
	s.gc.turn <- struct{}{}
	s.gc.rideWait = time.Hour
	s.gc.lastBegin = time.Time{}
	s.gc.giveBack()
	m5 := claimOne(t, s, "C5")
	s.gc.turn <- struct{}{}
	s.gc.lastBegin = time.Time{} // the claim just began one
	s.gc.giveBack()
	done := make(chan error, 1)
	go func() { done <- s.MarkDelivered(ctx, m5.ID, gcBase) }()
	select {
	case err := <-done:
		if err != nil || !delivered(t, s, m5.ID) {
			t.Errorf("mark on an idle writer: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a mark on an idle writer waited for a batch to ride")
	}
}
