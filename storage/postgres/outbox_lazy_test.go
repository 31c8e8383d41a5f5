package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// A command's transaction must be flushed to the WAL before it is
// acknowledged; the mark of a delivered message need not (lost, the message
// is sent again as a retry). A trigger records, for every update of the
// outbox, the synchronous_commit its transaction will commit with.
func TestMarksCommitWithoutWaitingForTheWALFlush(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	s := openMigrated(t, u)
	c := rawConn(t, u)
	ctx := t.Context()
	for _, stmt := range []string{
		`CREATE TABLE sync_seen (n serial, op text, setting text)`,
		`CREATE FUNCTION note_sync() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			INSERT INTO sync_seen (op, setting) VALUES (NEW.status || '/' || NEW.attempts, current_setting('synchronous_commit'));
			RETURN NEW;
		END $$`,
		`CREATE TRIGGER note_sync AFTER UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION note_sync()`,
	} {
		if _, err := c.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	seen := func() []string {
		t.Helper()
		rows, err := c.Query(ctx, `DELETE FROM sync_seen RETURNING op || ' ' || setting`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	now := time.Now().UTC()
	if err := s.EnqueueOutbox(ctx, msg("C1", 1, now), msg("C2", 1, now), msg("C3", 1, now)); err != nil {
		t.Fatal(err)
	}
	claimed, err := s.ClaimOutbox(ctx, now, time.Minute, 10)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	if got := seen(); len(got) != 3 || got[0] != "pending/1 on" {
		t.Errorf("claim ran with %v, want synchronous_commit on (a claim must be durable before the call)", got)
	}
	if n, err := s.MarkDeliveredMany(ctx, []int64{claimed[0].ID}, now); err != nil || n != 1 {
		t.Fatalf("MarkDeliveredMany: %d, %v", n, err)
	}
	if err := s.MarkDelivered(ctx, claimed[1].ID, now); err != nil {
		t.Fatal(err)
	}
	if got := seen(); len(got) != 2 || got[0] != "delivered/1 off" || got[1] != "delivered/1 off" {
		t.Errorf("marks ran with %v, want synchronous_commit off", got)
	}
	// Inside a caller's transaction a mark leaves the caller's commit
	// alone: the setting would hold to the end of the transaction.
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		return q.MarkDelivered(ctx, claimed[2].ID, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := seen(); len(got) != 1 || got[0] != "delivered/1 on" {
		t.Errorf("mark in a caller's transaction ran with %v, want synchronous_commit on", got)
	}
	// The setting was the marks' own transactions': the pool's next
	// transaction is durable again.
	if err := s.EnqueueOutbox(ctx, msg("C4", 1, now)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimOutbox(ctx, now, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	for _, got := range seen() {
		if got != "pending/1 on" {
			t.Errorf("a claim after the marks ran with %q, want synchronous_commit on", got)
		}
	}
}
