package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// testOutboxMarkDeliveredMany: one statement marks many claimed messages
// delivered; the next message of each channel becomes due; a message
// already finished (delivered or dead) or missing is left alone and not
// counted.
func testOutboxMarkDeliveredMany(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s,
		outboxMsg("slack", "C1", 1, 0), outboxMsg("slack", "C2", 2, 0),
		outboxMsg("slack", "C3", 3, 0), outboxMsg("slack", "C1", 4, 0))
	heads := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, heads); len(got) != 3 {
		t.Fatalf("claimed %v, want the heads of C1, C2, C3", got)
	}
	if err := s.KillOutbox(ctx, heads[2].ID, "gone"); err != nil {
		t.Fatalf("KillOutbox: %v", err)
	}
	n, err := s.MarkDeliveredMany(ctx, []int64{heads[0].ID, heads[1].ID, heads[2].ID, 999999}, at(time.Second))
	if err != nil || n != 2 {
		t.Fatalf("MarkDeliveredMany = %d, %v; want 2, nil", n, err)
	}
	for i, want := range []storage.OutboxStatus{storage.OutboxDelivered, storage.OutboxDelivered, storage.OutboxDead} {
		m := mustGetOutbox(t, s, heads[i].ID)
		if m.Status != want {
			t.Errorf("message %d: status %q, want %q", payloadN(t, m), m.Status, want)
		}
		if want == storage.OutboxDelivered && (m.DeliveredAt == nil || !m.DeliveredAt.Equal(at(time.Second))) {
			t.Errorf("message %d: DeliveredAt %v, want %v", payloadN(t, m), m.DeliveredAt, at(time.Second))
		}
	}
	next := mustClaim(t, s, at(2*time.Second), time.Minute, 10)
	if got := ns(t, next); len(got) != 1 || got[0] != 4 {
		t.Fatalf("after the marks, claimed %v, want [4]", got)
	}
	if n, err := s.MarkDeliveredMany(ctx, []int64{heads[0].ID}, at(3*time.Second)); err != nil || n != 0 {
		t.Errorf("marking a delivered message again = %d, %v; want 0, nil", n, err)
	}
	if n, err := s.MarkDeliveredMany(ctx, nil, at(3*time.Second)); err != nil || n != 0 {
		t.Errorf("MarkDeliveredMany(none) = %d, %v; want 0, nil", n, err)
	}
	// Inside a transaction too.
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		_, err := q.MarkDeliveredMany(ctx, []int64{next[0].ID}, at(4*time.Second))
		return err
	})
	if err != nil {
		t.Fatalf("MarkDeliveredMany in a transaction: %v", err)
	}
	if m := mustGetOutbox(t, s, next[0].ID); m.Status != storage.OutboxDelivered {
		t.Errorf("status %q after a mark in a transaction, want delivered", m.Status)
	}
}
