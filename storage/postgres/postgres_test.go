package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/postgres"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var alice = incident.Actor{Platform: "slack", ID: "U1", Name: "alice"}

// open opens a store on url (not migrated), closed when the test ends.
func open(t *testing.T, u string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), u, postgres.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openMigrated opens a migrated store on url.
func openMigrated(t *testing.T, u string) *postgres.Store {
	t.Helper()
	s := open(t, u)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// rawConn is a plain connection to url, for looking behind the store.
func rawConn(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func declare(t *testing.T, q storage.Querier, title string) *incident.Incident {
	t.Helper()
	inc, _, err := incident.Declare(time.Now(), alice, incident.Sev2, title)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.CreateIncident(t.Context(), inc); err != nil {
		t.Fatalf("create incident: %v", err)
	}
	return inc
}

func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

func TestOpenUnreachableNamesHostNotPassword(t *testing.T) {
	t.Parallel()
	const password = "pa55-w0rd-do-not-print"
	port := closedPort(t)
	u := fmt.Sprintf("postgres://tourniquet:%s@127.0.0.1:%d/tourniquet?sslmode=disable", password, port)
	start := time.Now()
	_, err := postgres.Open(t.Context(), u, postgres.WithConnectTimeout(3*time.Second))
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if strings.Contains(msg, password) {
		t.Errorf("error contains the password: %s", msg)
	}
	if want := fmt.Sprintf("127.0.0.1:%d", port); !strings.Contains(msg, want) {
		t.Errorf("error does not name %s: %s", want, msg)
	}
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("error is not one line: %q", msg)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open took %s to fail", d)
	}
}

func TestOpenTimesOut(t *testing.T) {
	t.Parallel()
	// A server that accepts and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	const password = "hunter2-secret"
	u := fmt.Sprintf("postgres://tq:%s@%s/db?sslmode=disable", password, l.Addr())
	start := time.Now()
	_, err = postgres.Open(t.Context(), u, postgres.WithConnectTimeout(time.Second))
	if err == nil {
		t.Fatal("Open of a silent server succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %s despite a 1s timeout", d)
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if strings.Contains(msg, password) || !strings.Contains(msg, l.Addr().String()) || strings.Contains(msg, "\n") {
		t.Errorf("bad error: %q", msg)
	}
}

func TestOpenBadURLHidesPassword(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-in-a-bad-url"
	_, err := postgres.Open(t.Context(), "postgres://tq:"+password+"@127.0.0.1:notaport/db")
	if err == nil {
		t.Fatal("Open of a malformed URL succeeded")
	}
	t.Logf("error: %s", err)
	if strings.Contains(err.Error(), password) {
		t.Errorf("error contains the password: %s", err)
	}
}

func TestOpenWrongDatabase(t *testing.T) {
	t.Parallel()
	base := os.Getenv(storagetest.PostgresEnv)
	if base == "" {
		storagetest.PostgresURL(t) // skips or fails as appropriate
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL", storagetest.PostgresEnv)
	}
	u.Path = "/tourniquet_no_such_database"
	_, err = postgres.Open(t.Context(), u.String())
	if err == nil {
		t.Fatal("Open of a missing database succeeded")
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if !strings.Contains(msg, u.Host) || !strings.Contains(msg, "tourniquet_no_such_database") || strings.Contains(msg, "\n") {
		t.Errorf("bad error: %q", msg)
	}
}

func TestSchemaIsolation(t *testing.T) {
	t.Parallel()
	a := openMigrated(t, storagetest.PostgresURL(t))
	b := openMigrated(t, storagetest.PostgresURL(t))
	ctx := t.Context()
	inc := declare(t, a, "only in a")
	if err := a.EnqueueOutbox(ctx, storage.OutboxMessage{Platform: "slack", Channel: "C1", Kind: "post",
		Payload: []byte(`{}`), NextAttemptAt: time.Now(), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetIncident(ctx, inc.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("b.GetIncident(%d) = %v, want ErrNotFound", inc.ID, err)
	}
	if n, err := b.CountIncidents(ctx, storage.IncidentFilter{}); err != nil || n != 0 {
		t.Errorf("b.CountIncidents = %d, %v; want 0", n, err)
	}
	if msgs, err := b.ClaimOutbox(ctx, time.Now(), time.Minute, 10); err != nil || len(msgs) != 0 {
		t.Errorf("b.ClaimOutbox = %v, %v; want nothing", msgs, err)
	}
	if got, err := a.GetIncident(ctx, inc.ID); err != nil || got.Title != "only in a" {
		t.Errorf("a.GetIncident = %v, %v", got, err)
	}
}

func TestMigrateNeedsExistingSchema(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(storagetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "tq_does_not_exist")
	u.RawQuery = q.Encode()
	s := open(t, u.String())
	err = s.Migrate(t.Context())
	if err == nil || !strings.Contains(err.Error(), "tq_does_not_exist") {
		t.Fatalf("Migrate = %v, want an error naming the schema", err)
	}
}

func TestMigrationsCurrent(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	s := open(t, u)
	ctx := t.Context()
	cur, err := s.MigrationsCurrent(ctx)
	if err != nil || cur {
		t.Fatalf("MigrationsCurrent before Migrate = %v, %v; want false", cur, err)
	}
	var exists bool
	if err := rawConn(t, u).QueryRow(ctx, "SELECT to_regclass('goose_db_version') IS NOT NULL").Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Error("MigrationsCurrent created the version table")
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if cur, err := s.MigrationsCurrent(ctx); err != nil || !cur {
		t.Fatalf("MigrationsCurrent after Migrate = %v, %v; want true", cur, err)
	}
	// Migrating again is a no-op.
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	const n = 3
	stores := make([]*postgres.Store, n)
	for i := range stores {
		stores[i] = open(t, u) // separate pools, like separate replicas
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: Migrate: %v", i, err)
		}
	}
	var applied int
	if err := rawConn(t, u).QueryRow(t.Context(),
		"SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if want := countMigrations(t); applied != want {
		t.Errorf("%d migrations recorded, want %d (each once)", applied, want)
	}
	for i, s := range stores {
		if cur, err := s.MigrationsCurrent(t.Context()); err != nil || !cur {
			t.Errorf("replica %d: MigrationsCurrent = %v, %v", i, cur, err)
		}
	}
	declare(t, stores[0], "schema works")
}

func countMigrations(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("../../migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			n++
		}
	}
	return n
}

func TestBrokenMigrationLeavesSchemaAndNamesFile(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	s := open(t, u)
	ctx := t.Context()
	good := fstest.MapFS{
		"00001_one.sql": {Data: []byte("-- +goose Up\nCREATE TABLE one (id int);\n-- +goose Down\nDROP TABLE one;\n")},
	}
	if err := s.MigrateFS(ctx, good); err != nil {
		t.Fatalf("good migration: %v", err)
	}
	broken := fstest.MapFS{
		"00001_one.sql": good["00001_one.sql"],
		"00002_two_broken.sql": {Data: []byte("-- +goose Up\n" +
			"CREATE TABLE two (id int);\n" +
			"ALTER TABLE one ADD COLUMN extra text;\n" +
			"INSERT INTO no_such_table VALUES (1);\n" +
			"-- +goose Down\nDROP TABLE two;\n")},
	}
	err := s.MigrateFS(ctx, broken)
	if err == nil {
		t.Fatal("broken migration succeeded")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "00002_two_broken.sql") {
		t.Errorf("error does not name the file: %v", err)
	}
	c := rawConn(t, u)
	var two, extra bool
	if err := c.QueryRow(ctx, "SELECT to_regclass('two') IS NOT NULL").Scan(&two); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'one' AND column_name = 'extra')`).Scan(&extra); err != nil {
		t.Fatal(err)
	}
	if two || extra {
		t.Errorf("failed migration left changes: table two %v, column one.extra %v", two, extra)
	}
	var version int64
	if err := c.QueryRow(ctx, "SELECT max(version_id) FROM goose_db_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != 1 {
		t.Errorf("version after failure = %d, want 1", version)
	}
	if cur, err := s.MigrationsCurrentFS(ctx, broken); err != nil || cur {
		t.Errorf("MigrationsCurrent = %v, %v; want false (00002 pending)", cur, err)
	}
}

func TestAppendOnlyTables(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	s := openMigrated(t, u)
	ctx := t.Context()
	inc := declare(t, s, "append only")
	if _, err := s.AppendEvents(ctx, inc.ID, incident.NewEvent(time.Now(), incident.KindNote, alice, "hello", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAudit(ctx, storage.AuditEntry{At: time.Now(), IncidentID: inc.ID, Actor: alice,
		Action: "action.run", Step: "requested"}); err != nil {
		t.Fatal(err)
	}
	c := rawConn(t, u)
	for _, sql := range []string{
		"UPDATE events SET text = 'rewritten'",
		"DELETE FROM events",
		"UPDATE audit_log SET outcome = 'forged'",
		"DELETE FROM audit_log",
	} {
		_, err := c.Exec(ctx, sql)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want append-only refusal", sql, err)
		}
	}
	evs, err := s.ListEvents(ctx, inc.ID, 0, 0)
	if err != nil || len(evs) != 1 || evs[0].Text != "hello" {
		t.Errorf("events after refused writes = %+v, %v", evs, err)
	}
}

func TestInTxRollsBackAndReturnsErrorAsIs(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, storagetest.PostgresURL(t))
	ctx := t.Context()
	boom := errors.New("boom")
	var id int64
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		inc := declare(t, q, "rolled back")
		id = inc.ID
		if _, err := q.AppendEvents(ctx, inc.ID, incident.NewEvent(time.Now(), incident.KindNote, alice, "x", nil)); err != nil {
			return err
		}
		if err := q.EnqueueOutbox(ctx, storage.OutboxMessage{Platform: "slack", Channel: "C", Kind: "post",
			Payload: []byte(`{}`), NextAttemptAt: time.Now(), CreatedAt: time.Now()}); err != nil {
			return err
		}
		return boom
	})
	if err != boom { //nolint:errorlint // the contract is "as is"
		t.Fatalf("InTx = %v, want boom as is", err)
	}
	if _, err := s.GetIncident(ctx, id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("rolled-back incident: %v, want ErrNotFound", err)
	}
	if st, err := s.OutboxStats(ctx); err != nil || len(st) != 0 {
		t.Errorf("rolled-back outbox: %v, %v", st, err)
	}
	// And a committed one is there.
	if err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		id = declare(t, q, "committed").ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetIncident(ctx, id); err != nil {
		t.Errorf("committed incident: %v", err)
	}
}

func TestGetIncidentForUpdateLocks(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	a := openMigrated(t, u)
	b := open(t, u)
	ctx := t.Context()
	inc := declare(t, a, "locked")
	locked := make(chan struct{})
	release := make(chan struct{})
	var releaseOnce sync.Once
	unlock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unlock() // a failing test must not leave the other transaction hanging
	errc := make(chan error, 1)
	go func() {
		errc <- a.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			got, err := q.GetIncidentForUpdate(ctx, inc.ID)
			if err != nil {
				return err
			}
			close(locked)
			<-release
			got.Title = "first"
			return q.UpdateIncident(ctx, got)
		})
	}()
	<-locked
	var gotB atomic.Value
	done := make(chan error, 1)
	go func() {
		done <- b.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			got, err := q.GetIncidentForUpdate(ctx, inc.ID)
			if err != nil {
				return err
			}
			gotB.Store(got.Title)
			return nil
		})
	}()
	select {
	case err := <-done:
		t.Fatalf("second FOR UPDATE did not wait for the first (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	unlock()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if gotB.Load() != "first" {
		t.Errorf("second reader saw %v, want the first's committed update", gotB.Load())
	}
}

func TestAppendEventsConcurrentAcrossPools(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	a := openMigrated(t, u)
	b := open(t, u)
	inc := declare(t, a, "busy timeline")
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for i := range each {
				ev := incident.NewEvent(time.Now(), incident.KindNote, alice, fmt.Sprintf("w%d-%d", w, i), nil)
				if _, err := s.AppendEvents(t.Context(), inc.ID, ev, ev); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	evs, err := a.ListEvents(t.Context(), inc.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != workers*each*2 {
		t.Fatalf("%d events, want %d", len(evs), workers*each*2)
	}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: gap or duplicate", i, ev.Seq)
		}
		// Both events of one append are adjacent.
		if i%2 == 1 && ev.Text != evs[i-1].Text {
			t.Fatalf("seq %d (%s) and %d (%s) interleave", ev.Seq, ev.Text, evs[i-1].Seq, evs[i-1].Text)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, storagetest.PostgresURL(t))
	ctx := t.Context()
	if _, err := s.GetIncident(ctx, 4242); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetIncident(missing) = %v", err)
	}
	if _, err := s.GetIncidentByKey(ctx, "INC-nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetIncidentByKey(bad key) = %v", err)
	}
	if _, err := s.AppendEvents(ctx, 4242, incident.NewEvent(time.Now(), incident.KindNote, alice, "x", nil)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("AppendEvents(missing incident) = %v", err)
	}
	if err := s.AddIncidentChannel(ctx, 4242, incident.ChannelRef{Platform: "slack", ChannelID: "C9"}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("AddIncidentChannel(missing incident) = %v", err)
	}
	a, b := declare(t, s, "a"), declare(t, s, "b")
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "C1"}
	if err := s.AddIncidentChannel(ctx, a.ID, ch); err != nil {
		t.Fatal(err)
	}
	if err := s.AddIncidentChannel(ctx, a.ID, ch); err != nil {
		t.Errorf("binding again to the same incident: %v", err)
	}
	if err := s.AddIncidentChannel(ctx, b.ID, ch); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("binding to another incident = %v, want ErrConflict", err)
	}
	now := time.Now()
	if err := s.ClaimDedupe(ctx, "k", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimDedupe(ctx, "k", now, now.Add(time.Minute)); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("second ClaimDedupe = %v, want ErrConflict", err)
	}
	if err := s.ClaimDedupe(ctx, "k", now.Add(2*time.Minute), now.Add(3*time.Minute)); err != nil {
		t.Errorf("ClaimDedupe after expiry = %v", err)
	}
	if _, err := s.GetOutbox(ctx, 4242); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetOutbox(missing) = %v", err)
	}
	if err := s.MarkDelivered(ctx, 4242, now); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("MarkDelivered(missing) = %v", err)
	}
	var pgErr interface{ SQLState() string }
	if _, err := s.GetIncident(ctx, 4242); errors.As(err, &pgErr) {
		t.Errorf("not-found error exposes a driver error: %v", err)
	}
}

// TestExpectedErrorsKeepTransactionUsable: on Postgres any SQL error aborts
// the transaction, so ErrNotFound and ErrConflict, which callers handle and
// carry on from, must not come from one.
func TestExpectedErrorsKeepTransactionUsable(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, storagetest.PostgresURL(t))
	ctx := t.Context()
	a, b := declare(t, s, "a"), declare(t, s, "b")
	ch := incident.ChannelRef{Platform: "slack", ChannelID: "C1"}
	if err := s.AddIncidentChannel(ctx, a.ID, ch); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := s.ClaimDedupe(ctx, "seen", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	type step struct {
		name      string
		err, want error
	}
	err := s.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		_, errGet := q.GetIncident(ctx, 4242)
		_, errAppend := q.AppendEvents(ctx, 4242, incident.NewEvent(now, incident.KindNote, alice, "x", nil))
		missing := &incident.Incident{ID: 4242, Title: "x", Severity: incident.Sev1,
			Impact: incident.ImpactOngoing, Cause: incident.CauseUnknown, State: incident.StateOpen}
		steps := []step{
			{"GetIncident(missing)", errGet, storage.ErrNotFound},
			{"AppendEvents(missing)", errAppend, storage.ErrNotFound},
			{"AddIncidentChannel(other incident)", q.AddIncidentChannel(ctx, b.ID, ch), storage.ErrConflict},
			{"AddIncidentChannel(missing incident)", q.AddIncidentChannel(ctx, 4242,
				incident.ChannelRef{Platform: "slack", ChannelID: "C2"}), storage.ErrNotFound},
			{"ClaimDedupe(seen)", q.ClaimDedupe(ctx, "seen", now, now.Add(time.Hour)), storage.ErrConflict},
			{"UpdateIncident(missing)", q.UpdateIncident(ctx, missing), storage.ErrNotFound},
		}
		for _, st := range steps {
			if !errors.Is(st.err, st.want) {
				t.Errorf("%s = %v, want %v", st.name, st.err, st.want)
			}
		}
		// The transaction still works.
		_, err := q.AppendEvents(ctx, b.ID, incident.NewEvent(now, incident.KindNote, alice, "still fine", nil))
		return err
	})
	if err != nil {
		t.Fatalf("transaction after expected errors: %v", err)
	}
	evs, err := s.ListEvents(ctx, b.ID, 0, 0)
	if err != nil || len(evs) != 1 || evs[0].Text != "still fine" {
		t.Errorf("events = %+v, %v", evs, err)
	}
}
