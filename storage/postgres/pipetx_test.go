package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/postgres"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// countingConn counts the writes of a connection: pgx writes each
// round trip's messages (a statement, or a batch) at once. It keeps what
// was written too.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
	wire   *wire
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	c.wire.add(b)
	return c.Conn.Write(b)
}

// wire is what the store's connections wrote.
type wire struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *wire) add(b []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
}

// carried says whether s went over the wire (a statement's text goes once
// per connection, when it is prepared).
func (w *wire) carried(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Contains(w.buf.Bytes(), []byte(s))
}

// openCounting opens a migrated store on one connection whose writes
// are counted.
func openCounting(t *testing.T) (*postgres.Store, *atomic.Int64) {
	s, writes, _ := openWire(t)
	return s, writes
}

// openWire is openCounting that also keeps what was written.
func openWire(t *testing.T) (*postgres.Store, *atomic.Int64, *wire) {
	t.Helper()
	u := storagetest.PostgresURL(t)
	if strings.Contains(u, "?") {
		u += "&pool_max_conns=1"
	} else {
		u += "?pool_max_conns=1"
	}
	writes, w := new(atomic.Int64), &wire{}
	var d net.Dialer
	s, err := postgres.Open(t.Context(), u, postgres.WithDial(func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, writes: writes, wire: w}, nil
	}))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s, writes, w
}

// noteUnitOfWork does what the engine's unit of work does for a note
// typed in an incident channel: claim the request's ID (its outcome read
// after the incident's load, which it travels with), find and lock the
// incident, look up its drill (the card's drill banner), save it with
// the note and queue the note and the card update.
func noteUnitOfWork(ctx context.Context, s storage.Store, ch incident.ChannelRef, id string) error {
	now := time.Now()
	return s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		claimed := q.ClaimDedupeLater(ctx, id, now, now.Add(time.Hour))
		inc, err := q.GetIncidentByChannelForUpdate(ctx, ch)
		if cerr := claimed(); cerr != nil {
			return cerr
		}
		if err != nil {
			return err
		}
		if _, err := q.GetDrill(ctx, inc.ID); !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("drill of a plain incident: %v, want not found", err)
		}
		if err := q.UpdateIncident(ctx, inc); err != nil {
			return err
		}
		if _, err := q.AppendEvents(ctx, inc.ID, incident.NewEvent(now, incident.KindNote, alice, "a note", nil)); err != nil {
			return err
		}
		msg := storage.OutboxMessage{Platform: ch.Platform, Channel: ch.ChannelID, Kind: "post",
			Payload: []byte(`{"text":"a note"}`), IncidentID: inc.ID, NextAttemptAt: now, CreatedAt: now}
		card := msg
		card.Kind, card.Payload = "update", []byte(`{"text":"the card"}`)
		return q.EnqueueOutbox(ctx, msg, card)
	})
}

// TestNoteRoundTrips: a note's unit of work costs 3 round trips (BEGIN,
// the dedupe claim and the incident found by channel and locked, with its
// drill; the event; the outbox with COMMIT), where a plain pgx
// transaction took 10 (BEGIN, claim, find, lock, drill, update, number
// the event, insert it, enqueue, COMMIT). Each round trip costs CPU in the server and in
// Postgres.
func TestNoteRoundTrips(t *testing.T) {
	t.Parallel()
	s, writes := openCounting(t)
	ctx := t.Context()
	inc := declare(t, s, "round trips")
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "CROUND"}
	if err := s.AddIncidentChannel(ctx, inc.ID, ch); err != nil {
		t.Fatal(err)
	}
	// The first run prepares the statements (a round trip each, once per
	// connection).
	if err := noteUnitOfWork(ctx, s, ch, "warm-up"); err != nil {
		t.Fatalf("warm-up: %v", err)
	}
	writes.Store(0)
	if err := noteUnitOfWork(ctx, s, ch, "counted"); err != nil {
		t.Fatalf("unit of work: %v", err)
	}
	if n := writes.Load(); n != 3 {
		t.Errorf("a note's unit of work took %d round trips, want 3", n)
	}
	evs, err := s.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil || len(evs) != 2 || evs[1].Seq != 2 || evs[1].Text != "a note" {
		t.Errorf("events after two notes = %+v, %v", evs, err)
	}
	if st, err := s.OutboxStats(ctx); err != nil || len(st) != 1 || st[0].Pending != 4 {
		t.Errorf("outbox after two notes = %+v, %v; want 4 pending", st, err)
	}

	// A unit of work that reads nothing and writes nothing sends nothing.
	writes.Store(0)
	if err := s.InTx(ctx, func(context.Context, storage.Querier) error { return nil }); err != nil {
		t.Fatalf("empty InTx: %v", err)
	}
	if n := writes.Load(); n != 0 {
		t.Errorf("an empty unit of work took %d round trips, want 0", n)
	}
}

// TestQueuedWriteFailure: a write sent with the next statement (the
// outbox, here with a payload that is not JSON) fails the statement it
// went with, every later one and the commit, and nothing of the unit of
// work is kept; the connection serves the next one.
func TestQueuedWriteFailure(t *testing.T) {
	t.Parallel()
	s, _ := openCounting(t) // one connection: the next unit of work reuses it
	ctx := t.Context()
	inc := declare(t, s, "before")
	now := time.Now()
	bad := storage.OutboxMessage{Platform: "slack", Channel: "C1", Kind: "post", Payload: []byte(`{not json`),
		IncidentID: inc.ID, NextAttemptAt: now, CreatedAt: now}
	// retitle queues the unit of work's incident update.
	retitle := func(ctx context.Context, q storage.Querier) error {
		got, err := q.GetIncidentForUpdate(ctx, inc.ID)
		if err != nil {
			return err
		}
		got.Title = "after"
		return q.UpdateIncident(ctx, got)
	}
	var readErr, laterErr error
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := retitle(ctx, q); err != nil {
			return err
		}
		if err := q.EnqueueOutbox(ctx, bad); err != nil {
			return err
		}
		_, readErr = q.GetIncident(ctx, inc.ID) // sends the queued writes
		_, laterErr = q.ListEvents(ctx, inc.ID, 0, 0)
		return nil // as a caller that ignored the errors would
	})
	if err == nil || !strings.Contains(err.Error(), "enqueue 1 outbox messages") {
		t.Errorf("InTx = %v, want the enqueue's error", err)
	}
	if readErr == nil || !strings.Contains(readErr.Error(), "enqueue 1 outbox messages") {
		t.Errorf("the read after the queued enqueue = %v, want the enqueue's error", readErr)
	}
	if laterErr == nil {
		t.Error("a statement after the failure succeeded")
	}
	if got, err := s.GetIncident(ctx, inc.ID); err != nil || got.Title != "before" {
		t.Errorf("incident after the failed unit of work = %v, %v; want its title unchanged", got, err)
	}
	if st, err := s.OutboxStats(ctx); err != nil || len(st) != 0 {
		t.Errorf("outbox after the failed unit of work = %+v, %v; want empty", st, err)
	}

	// The queued write that fails at the commit.
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := retitle(ctx, q); err != nil {
			return err
		}
		return q.EnqueueOutbox(ctx, bad)
	})
	if err == nil || !strings.Contains(err.Error(), "enqueue 1 outbox messages") {
		t.Errorf("InTx failing at commit = %v, want the enqueue's error", err)
	}
	if got, err := s.GetIncident(ctx, inc.ID); err != nil || got.Title != "before" {
		t.Errorf("incident after the failed commit = %v, %v; want its title unchanged", got, err)
	}

	// A unit of work that fails in fn after queuing writes keeps none.
	errStop := errors.New("stop")
	err = s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := retitle(ctx, q); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Errorf("InTx = %v, want fn's error", err)
	}
	// The same connection (the pool has one) works and saw nothing.
	if got, err := s.GetIncident(ctx, inc.ID); err != nil || got.Title != "before" {
		t.Errorf("incident after the rolled-back unit of work = %v, %v; want its title unchanged", got, err)
	}
	if err := noteUnitOfWork(ctx, s, incident.ChannelRef{Platform: "slack", ChannelID: "CNONE"}, "x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unit of work in an unknown channel = %v, want not found", err)
	}
}

// TestUnchangedIncidentNotUpdated: saving a locked incident that changed
// in no field (a note: only its events are new) sends no UPDATE, a
// statement, a row version and its WAL fewer per note; one that changed
// is saved.
func TestUnchangedIncidentNotUpdated(t *testing.T) {
	t.Parallel()
	s, _, w := openWire(t)
	ctx := t.Context()
	inc := declare(t, s, "unchanged")
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "CSAME"}
	if err := s.AddIncidentChannel(ctx, inc.ID, ch); err != nil {
		t.Fatal(err)
	}
	const update = "UPDATE incidents SET (title"
	for i := range 2 {
		if err := noteUnitOfWork(ctx, s, ch, fmt.Sprint("note-", i)); err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	if w.carried(update) {
		t.Errorf("notes that changed no field of the incident sent %q", update)
	}
	if evs, err := s.ListEvents(ctx, inc.ID, 0, 0); err != nil || len(evs) != 2 {
		t.Errorf("events = %d, %v; want the 2 notes", len(evs), err)
	}

	// A change is saved; so is a change back within the same unit of
	// work, and a second change after a read.
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		got, err := q.GetIncidentByChannelForUpdate(ctx, ch)
		if err != nil {
			return err
		}
		got.Title = "renamed"
		if err := q.UpdateIncident(ctx, got); err != nil {
			return err
		}
		got.Title = "unchanged"
		if err := q.UpdateIncident(ctx, got); err != nil {
			return err
		}
		if again, err := q.GetIncidentForUpdate(ctx, got.ID); err != nil || again.Title != "unchanged" {
			return fmt.Errorf("read back = %v, %v", again, err)
		}
		got.Summary = "summed up"
		return q.UpdateIncident(ctx, got)
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if !w.carried(update) {
		t.Errorf("a rename did not send %q", update)
	}
	if got, err := s.GetIncident(ctx, inc.ID); err != nil || got.Title != "unchanged" || got.Summary != "summed up" {
		t.Errorf("incident = %+v, %v; want title unchanged, summary summed up", got, err)
	}
}

// TestDrillReadWithItsIncident: a unit of work that locks an incident
// knows its drill from that load (no round trip of its own), and what it
// writes to the drill it reads back: opening one on a plain incident, then
// grading it, in the same unit of work.
func TestDrillReadWithItsIncident(t *testing.T) {
	t.Parallel()
	s, writes := openCounting(t)
	ctx := t.Context()
	drilled := declare(t, s, "a drill")
	started := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := s.CreateDrill(ctx, storage.Drill{IncidentID: drilled.ID, Service: "checkout", Scenario: "db failover", StartedAt: started}); err != nil {
		t.Fatal(err)
	}
	plain := declare(t, s, "not a drill yet")
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if _, err := q.GetIncidentForUpdate(ctx, drilled.ID); err != nil {
			return err
		}
		writes.Store(0)
		d, err := q.GetDrill(ctx, drilled.ID)
		if err != nil {
			return err
		}
		if n := writes.Load(); n != 0 {
			t.Errorf("the drill of a locked incident took %d round trips, want none", n)
		}
		if d.IncidentID != drilled.ID || d.Service != "checkout" || d.Scenario != "db failover" || !d.StartedAt.Equal(started) || d.GradedAt != nil {
			t.Errorf("drill read with its incident = %+v", d)
		}

		if _, err := q.GetIncidentForUpdate(ctx, plain.ID); err != nil {
			return err
		}
		if _, err := q.GetDrill(ctx, plain.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("drill of a plain incident: %v, want not found", err)
		}
		if err := q.CreateDrill(ctx, storage.Drill{IncidentID: plain.ID, Service: "search", StartedAt: started}); err != nil {
			return err
		}
		if d, err := q.GetDrill(ctx, plain.ID); err != nil || d.Service != "search" {
			t.Errorf("drill just opened in the unit of work = %+v, %v", d, err)
		}
		if err := q.GradeDrill(ctx, plain.ID, started.Add(time.Hour), []byte(`{"grade":"B"}`)); err != nil {
			return err
		}
		if d, err := q.GetDrill(ctx, plain.ID); err != nil || d.GradedAt == nil || !strings.Contains(string(d.Grade), `"B"`) {
			t.Errorf("drill just graded in the unit of work = %+v, %v", d, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
