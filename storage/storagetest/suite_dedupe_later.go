package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// testDedupeLater checks ClaimDedupeLater: the same outcomes as
// ClaimDedupe, whether or not a statement follows the claim in its
// transaction, a seen key leaving the transaction usable, and the claim
// kept or dropped with the transaction.
func testDedupeLater(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("claimed", base))

	// Outside a transaction.
	claimed := s.ClaimDedupeLater(ctx, "later:1", base, at(time.Hour))
	if err := claimed(); err != nil {
		t.Fatalf("ClaimDedupeLater of a new key: %v", err)
	}
	if err := claimed(); err != nil {
		t.Errorf("the outcome asked again: %v", err)
	}
	isConflict(t, "ClaimDedupeLater of a seen key", s.ClaimDedupeLater(ctx, "later:1", at(time.Minute), at(time.Hour))())

	// In a transaction: followed by a read, or by nothing; a seen key.
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		claimed := q.ClaimDedupeLater(ctx, "later:2", base, at(time.Hour))
		got, err := q.GetIncidentForUpdate(ctx, inc.ID)
		if err != nil {
			return err
		}
		if got.Title != "claimed" {
			t.Errorf("incident read with the claim: %q", got.Title)
		}
		if err := claimed(); err != nil {
			return err
		}
		seen := q.ClaimDedupeLater(ctx, "later:1", at(time.Minute), at(time.Hour))
		isConflict(t, "ClaimDedupeLater of a seen key in a transaction", seen())
		isConflict(t, "the outcome asked again", seen())
		alone := q.ClaimDedupeLater(ctx, "later:3", base, at(time.Hour))
		if err := alone(); err != nil {
			return err
		}
		// The transaction is still usable after the seen key.
		_, err = q.GetIncident(ctx, inc.ID)
		return err
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	for _, key := range []string{"later:2", "later:3"} {
		isConflict(t, "ClaimDedupe of a key claimed in a committed transaction", s.ClaimDedupe(ctx, key, at(time.Minute), at(time.Hour)))
	}

	// A transaction that rolls back keeps no claim.
	errStop := errors.New("stop")
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		claimed := q.ClaimDedupeLater(ctx, "later:4", base, at(time.Hour))
		if _, err := q.GetIncident(ctx, inc.ID); err != nil {
			return err
		}
		if err := claimed(); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("InTx = %v, want fn's error", err)
	}
	if err := s.ClaimDedupe(ctx, "later:4", at(time.Minute), at(time.Hour)); err != nil {
		t.Errorf("ClaimDedupe of a key claimed in a rolled-back transaction: %v", err)
	}
}
