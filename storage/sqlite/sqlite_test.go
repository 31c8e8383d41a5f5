package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	msqlite "modernc.org/sqlite"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/sqlite"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestConformance(t *testing.T) {
	storagetest.Run(t, storagetest.NewSQLite)
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// open opens and migrates a store at p, closed at cleanup.
func open(t *testing.T, p string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(ctxFor(t), p)
	if err != nil {
		t.Fatalf("Open(%s): %v", p, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctxFor(t)); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// raw opens the file with the driver directly, bypassing the store.
func raw(t *testing.T, p string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", p+"?_busy_timeout=5000")
	if err != nil {
		t.Fatalf("open raw: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func declare(t *testing.T, q storage.Querier, title string) *incident.Incident {
	t.Helper()
	inc, ev, err := incident.Declare(base, incident.Actor{Platform: "slack", ID: "U1", Name: "Ann"}, incident.Sev2, title)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.CreateIncident(ctxFor(t), inc); err != nil {
		t.Fatalf("CreateIncident: %v", err)
	}
	if _, err := q.AppendEvents(ctxFor(t), inc.ID, ev); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	return inc
}

func TestOpenCreatesFileInWALMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nested", "dir", "tourniquet.db")
	s := open(t, p)
	if s.Path() != p || s.Dialect() != "sqlite" {
		t.Errorf("Path, Dialect = %q, %q", s.Path(), s.Dialect())
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("database file mode %v, want owner-only", perm)
	}
	var mode string
	if err := raw(t, p).QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	if err := s.Ping(ctxFor(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestOpenRefusesNonFiles(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory", filepath.Join(t.TempDir(), "a?b.db")} {
		if s, err := sqlite.Open(ctxFor(t), p); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded, want an error", p)
		}
	}
}

func TestReopenKeepsData(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.db")
	s, err := sqlite.Open(ctxFor(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.MigrationsCurrent(ctxFor(t)); err != nil || ok {
		t.Errorf("MigrationsCurrent before Migrate = %v, %v; want false", ok, err)
	}
	if err := s.Migrate(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	inc := declare(t, s, "persisted")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = open(t, p)
	if ok, err := s.MigrationsCurrent(ctxFor(t)); err != nil || !ok {
		t.Errorf("MigrationsCurrent after reopen = %v, %v; want true", ok, err)
	}
	got, err := s.GetIncident(ctxFor(t), inc.ID)
	if err != nil || got.Title != "persisted" {
		t.Fatalf("GetIncident after reopen = %v, %v", got, err)
	}
}

func TestEventsAndAuditAreAppendOnly(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.db")
	s := open(t, p)
	inc := declare(t, s, "append only")
	if _, err := s.AppendAudit(ctxFor(t), storage.AuditEntry{At: base, IncidentID: inc.ID, Action: "action.run", Step: "requested"}); err != nil {
		t.Fatal(err)
	}
	db := raw(t, p)
	for _, stmt := range []struct{ sql, want string }{
		{"UPDATE events SET text = 'rewritten'", "events is append-only"},
		{"DELETE FROM events", "events is append-only"},
		{"UPDATE audit_log SET outcome = 'ok'", "audit_log is append-only"},
		{"DELETE FROM audit_log", "audit_log is append-only"},
	} {
		_, err := db.Exec(stmt.sql)
		if err == nil || !strings.Contains(err.Error(), stmt.want) {
			t.Errorf("%s: error %v, want %q", stmt.sql, err, stmt.want)
		}
	}
	evs, err := s.ListEvents(ctxFor(t), inc.ID, 0, 0)
	if err != nil || len(evs) != 1 || evs[0].Text != "append only" {
		t.Errorf("events after refused changes = %+v, %v", evs, err)
	}
	rows, err := s.ListAudit(ctxFor(t), storage.AuditFilter{})
	if err != nil || len(rows) != 1 || rows[0].Outcome != "" {
		t.Errorf("audit after refused changes = %+v, %v", rows, err)
	}
	// Other tables stay mutable.
	if _, err := db.Exec("UPDATE incidents SET title = 'renamed'"); err != nil {
		t.Errorf("UPDATE incidents: %v", err)
	}
}

func TestForeignKeysAndMissingIncidents(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "t.db"))
	ctx := ctxFor(t)
	err := s.AddIncidentChannel(ctx, 99, incident.ChannelRef{Platform: "slack", ChannelID: "C1"})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("AddIncidentChannel to a missing incident: %v, want ErrNotFound", err)
	}
	_, err = s.AppendEvents(ctx, 99, incident.NewEvent(base, incident.KindNote, incident.System, "x", nil))
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("AppendEvents to a missing incident: %v, want ErrNotFound", err)
	}
	_, err = s.GetIncidentByKey(ctx, "not-a-key")
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetIncidentByKey(not-a-key): %v, want ErrNotFound", err)
	}
	for name, err := range map[string]error{
		"MarkDelivered": s.MarkDelivered(ctx, 99, base),
		"RetryOutbox":   s.RetryOutbox(ctx, 99, base, "x"),
		"KillOutbox":    s.KillOutbox(ctx, 99, "x"),
	} {
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s of a missing message: %v, want ErrNotFound", name, err)
		}
	}
}

func TestConflictErrorsHideTheDriver(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "t.db"))
	ctx := ctxFor(t)
	if err := s.ClaimDedupe(ctx, "k", base, base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	err := s.ClaimDedupe(ctx, "k", base, base.Add(time.Hour))
	if !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("second ClaimDedupe: %v, want ErrConflict", err)
	}
	a, b := declare(t, s, "a"), declare(t, s, "b")
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "C1"}
	if err := s.AddIncidentChannel(ctx, a.ID, ch); err != nil {
		t.Fatal(err)
	}
	// A raw unique violation inside a transaction maps to ErrConflict too.
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		inc := *b
		inc.ID = 0
		inc.Channels = []incident.ChannelRef{ch}
		return q.CreateIncident(ctx, &inc)
	})
	if !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("CreateIncident with a taken channel: %v, want ErrConflict", err)
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		t.Errorf("a driver error leaked out: %T %v", se, se)
	}
	if n, err := s.CountIncidents(ctx, storage.IncidentFilter{}); err != nil || n != 2 {
		t.Errorf("CountIncidents after the failed create = %d, %v; want 2", n, err)
	}
}

func TestWakeOnlyAfterCommit(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "t.db"))
	ctx := ctxFor(t)
	woken := func() bool {
		select {
		case <-s.OutboxWake():
			return true
		default:
			return false
		}
	}
	msg := storage.OutboxMessage{Platform: "slack", Channel: "C1", Kind: "post", Payload: []byte(`{}`), CreatedAt: base, NextAttemptAt: base}
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.EnqueueOutbox(ctx, msg); err != nil {
			return err
		}
		if woken() {
			t.Error("woken before the commit")
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	if woken() {
		t.Error("woken after a rollback")
	}
	// A transaction that enqueues nothing wakes nobody.
	if err := s.PutMessageRef(ctx, "k", storage.MessageRef{Platform: "slack", ChannelID: "C", MessageID: "1"}); err != nil {
		t.Fatal(err)
	}
	if woken() {
		t.Error("woken by a transaction that enqueued nothing")
	}
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.EnqueueOutbox(ctx, msg); err != nil {
			return err
		}
		if woken() {
			t.Error("woken before the commit")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !woken() {
		t.Error("not woken after the commit")
	}
	if woken() {
		t.Error("one commit woke twice")
	}
}

func TestInTxPanicRollsBack(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "t.db"))
	ctx := ctxFor(t)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		_ = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			declare(t, q, "doomed")
			panic("boom")
		})
	}()
	if n, err := s.CountIncidents(ctx, storage.IncidentFilter{}); err != nil || n != 0 {
		t.Errorf("CountIncidents after a panic = %d, %v; want 0", n, err)
	}
	// The writer is usable again.
	declare(t, s, "fine")
}

func TestReadsDoNotWaitForTheWriter(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "t.db"))
	inc := declare(t, s, "read me")
	err := s.InTx(ctxFor(t), func(ctx context.Context, q storage.Querier) error {
		cur, err := q.GetIncidentForUpdate(ctx, inc.ID)
		if err != nil {
			return err
		}
		cur.Title = "uncommitted"
		if err := q.UpdateIncident(ctx, cur); err != nil {
			return err
		}
		// The writer is held by this transaction; a read outside it goes to
		// the reader pool and sees the last committed state.
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		got, err := s.GetIncident(rctx, inc.ID)
		if err != nil {
			return fmt.Errorf("read during a write transaction: %w", err)
		}
		if got.Title != "read me" {
			return fmt.Errorf("read saw uncommitted title %q", got.Title)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetIncident(ctxFor(t), inc.ID); got == nil || got.Title != "uncommitted" {
		t.Errorf("after commit: %+v", got)
	}
}

// Two stores on one file are like two processes: BEGIN IMMEDIATE and the
// busy timeout make them take turns instead of failing with "database is
// locked" on a read-then-write transaction.
func TestTwoStoresOnOneFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.db")
	s1 := open(t, p)
	s2 := open(t, p)
	inc := declare(t, s1, "shared")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i, s := range []*sqlite.Store{s1, s2} {
		wg.Go(func() {
			for j := range 20 {
				err := s.InTx(ctxFor(t), func(ctx context.Context, q storage.Querier) error {
					if _, err := q.GetIncidentForUpdate(ctx, inc.ID); err != nil {
						return err
					}
					_, err := q.AppendEvents(ctx, inc.ID, incident.NewEvent(base, incident.KindNote, incident.System, fmt.Sprintf("%d-%d", i, j), nil))
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	evs, err := s2.ListEvents(ctxFor(t), inc.ID, 0, 0)
	if err != nil || len(evs) != 41 {
		t.Fatalf("ListEvents = %d, %v; want 41", len(evs), err)
	}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has Seq %d", i+1, ev.Seq)
		}
	}
}

// A worker whose lease ran out must not undo what the next worker did.
func TestStaleWorkerCannotUndoDelivery(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "t.db"))
	ctx := ctxFor(t)
	msg := storage.OutboxMessage{Platform: "slack", Channel: "C1", Kind: "post", Payload: []byte(`{"n":1}`), CreatedAt: base, NextAttemptAt: base}
	if err := s.EnqueueOutbox(ctx, msg); err != nil {
		t.Fatal(err)
	}
	first, err := s.ClaimOutbox(ctx, base, 30*time.Second, 1)
	if err != nil || len(first) != 1 {
		t.Fatalf("first claim = %v, %v", first, err)
	}
	second, err := s.ClaimOutbox(ctx, base.Add(time.Minute), 30*time.Second, 1)
	if err != nil || len(second) != 1 || second[0].ID != first[0].ID {
		t.Fatalf("claim after the lease = %v, %v", second, err)
	}
	if err := s.MarkDelivered(ctx, second[0].ID, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	err = s.RetryOutbox(ctx, first[0].ID, base.Add(2*time.Minute), "timeout")
	if !errors.Is(err, storage.ErrConflict) {
		t.Errorf("stale RetryOutbox = %v, want ErrConflict", err)
	}
	if err := s.KillOutbox(ctx, first[0].ID, "x"); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("stale KillOutbox = %v, want ErrConflict", err)
	}
	if err := s.MarkDelivered(ctx, first[0].ID, base.Add(2*time.Minute)); err != nil {
		t.Errorf("repeated MarkDelivered = %v, want a no-op", err)
	}
	m, err := s.GetOutbox(ctx, first[0].ID)
	if err != nil || m.Status != storage.OutboxDelivered || !m.DeliveredAt.Equal(base.Add(time.Minute)) {
		t.Errorf("message after the stale worker = %+v, %v; want delivered at +1m", m, err)
	}
}
