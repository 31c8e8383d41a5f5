package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

func testDedupe(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	if err := s.ClaimDedupe(ctx, "slack:Ev1", base, at(time.Hour)); err != nil {
		t.Fatalf("first ClaimDedupe: %v", err)
	}
	isConflict(t, "second ClaimDedupe", s.ClaimDedupe(ctx, "slack:Ev1", at(time.Minute), at(time.Hour+time.Minute)))
	isConflict(t, "ClaimDedupe just before expiry", s.ClaimDedupe(ctx, "slack:Ev1", at(time.Hour-time.Second), at(2*time.Hour)))
	if err := s.ClaimDedupe(ctx, "discord:Ev1", base, at(time.Hour)); err != nil {
		t.Fatalf("ClaimDedupe of another key: %v", err)
	}
	// After expiry the key can be claimed again, for a new period.
	if err := s.ClaimDedupe(ctx, "slack:Ev1", at(time.Hour+time.Second), at(3*time.Hour)); err != nil {
		t.Fatalf("ClaimDedupe after expiry: %v", err)
	}
	isConflict(t, "ClaimDedupe within the new period", s.ClaimDedupe(ctx, "slack:Ev1", at(2*time.Hour), at(4*time.Hour)))
	if err := s.ClaimDedupe(ctx, "slack:Ev2", base, at(5*time.Hour)); err != nil {
		t.Fatalf("ClaimDedupe: %v", err)
	}
	// At base+4h, discord:Ev1 (base+1h) and slack:Ev1 (base+3h) have expired.
	n, err := s.PruneDedupe(ctx, at(4*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PruneDedupe = %d, %v; want 2", n, err)
	}
	n, err = s.PruneDedupe(ctx, at(4*time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("second PruneDedupe = %d, %v; want 0", n, err)
	}
	isConflict(t, "ClaimDedupe of a key that survived pruning", s.ClaimDedupe(ctx, "slack:Ev2", at(4*time.Hour), at(6*time.Hour)))
	if err := s.ClaimDedupe(ctx, "slack:Ev1", at(4*time.Hour), at(6*time.Hour)); err != nil {
		t.Fatalf("ClaimDedupe of a pruned key: %v", err)
	}
	// In a transaction as well.
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.ClaimDedupe(ctx, "slack:Ev2", at(4*time.Hour), at(6*time.Hour))
	})
	isConflict(t, "ClaimDedupe in InTx", err)
}
