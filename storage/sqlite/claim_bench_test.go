package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// BenchmarkClaimOutbox800Channels claims from an outbox shaped like the
// load tool's at 800 incident channels: a delivered history, and per
// channel a head in flight (leased) with a message queued behind it, so
// that no pending row is claimable. The claim was 15% of the server's CPU
// in that load (docs/BENCHMARKS.md).
//
//	go test -run '^$' -bench ClaimOutbox800 -benchtime 1500x ./storage/sqlite/
func BenchmarkClaimOutbox800Channels(b *testing.B) {
	s, err := Open(b.Context(), b.TempDir()+"/b.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	msg := func(ch int) storage.OutboxMessage {
		return storage.OutboxMessage{Platform: "slack", Channel: fmt.Sprintf("C%04d", ch), Kind: "post",
			Payload: []byte(`{"text":"note"}`), CreatedAt: t0, NextAttemptAt: t0}
	}
	const channels = 800
	// History: 10 delivered messages per channel.
	for range 10 {
		var msgs []storage.OutboxMessage
		for ch := range channels {
			msgs = append(msgs, msg(ch))
		}
		if err := s.EnqueueOutbox(ctx, msgs...); err != nil {
			b.Fatal(err)
		}
		for {
			got, err := s.ClaimOutbox(ctx, t0, time.Minute, 1000)
			if err != nil {
				b.Fatal(err)
			}
			if len(got) == 0 {
				break
			}
			ids := make([]int64, len(got))
			for i, m := range got {
				ids[i] = m.ID
			}
			if _, err := s.MarkDeliveredMany(ctx, ids, t0); err != nil {
				b.Fatal(err)
			}
		}
	}
	// In flight: every channel's head is leased, one more queued behind.
	for range 2 {
		var msgs []storage.OutboxMessage
		for ch := range channels {
			msgs = append(msgs, msg(ch))
		}
		if err := s.EnqueueOutbox(ctx, msgs...); err != nil {
			b.Fatal(err)
		}
	}
	if got, err := s.ClaimOutbox(ctx, t0, time.Hour, channels); err != nil || len(got) != channels {
		b.Fatalf("lease the heads: %d, %v", len(got), err)
	}
	i := 0
	for b.Loop() {
		// Nothing is claimable: the claim's whole cost is finding that out.
		// The time and the limit (the sender's free slots) vary from call
		// to call, as they do in the sender.
		i++
		got, err := s.ClaimOutbox(ctx, t0.Add(time.Second+time.Duration(i)*time.Microsecond), time.Minute, 1+i%64)
		if err != nil || len(got) != 0 {
			b.Fatalf("claim: %d, %v", len(got), err)
		}
	}
}
