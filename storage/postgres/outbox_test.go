package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/postgres"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func msg(channel string, n int, at time.Time) storage.OutboxMessage {
	return storage.OutboxMessage{Platform: "slack", Channel: channel, Kind: "post",
		Payload: fmt.Appendf(nil, `{"channel":%q,"n":%d}`, channel, n), NextAttemptAt: at, CreatedAt: at}
}

func TestOutboxPayloadRoundTrip(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, storagetest.PostgresURL(t))
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	payload := `{"z": 1,  "a":[true, null]}`
	if err := s.EnqueueOutbox(ctx, storage.OutboxMessage{Platform: "discord", Channel: "D1", Kind: "update",
		Payload: []byte(payload), IncidentID: 7, NextAttemptAt: now, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimOutbox(ctx, now, time.Minute, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("ClaimOutbox = %v, %v", got, err)
	}
	m := got[0]
	if string(m.Payload) != payload || m.Platform != "discord" || m.Channel != "D1" || m.Kind != "update" ||
		m.IncidentID != 7 || m.Attempts != 1 || m.Status != storage.OutboxPending ||
		!m.CreatedAt.Equal(now) || !m.NextAttemptAt.Equal(now) || m.DeliveredAt != nil {
		t.Errorf("claimed %+v (payload %s)", m, m.Payload)
	}
}

// TestClaimSkipsChannelWhoseHeadIsLocked is the race the NOT EXISTS
// condition exists for: worker A holds the head of channel C locked in an
// open transaction; worker B skips it and must not take C's second message.
func TestClaimSkipsChannelWhoseHeadIsLocked(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	a := openMigrated(t, u)
	b := open(t, u)
	ctx := t.Context()
	now := time.Now()
	if err := a.EnqueueOutbox(ctx, msg("C", 1, now), msg("C", 2, now), msg("C", 3, now)); err != nil {
		t.Fatal(err)
	}
	if err := a.EnqueueOutbox(ctx, msg("D", 1, now)); err != nil {
		t.Fatal(err)
	}
	holding := make(chan storage.OutboxMessage)
	release := make(chan struct{})
	var releaseOnce sync.Once
	unlock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unlock() // a failing test must not leave the other transaction hanging
	errc := make(chan error, 1)
	go func() {
		errc <- a.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
			got, err := q.ClaimOutbox(ctx, now, time.Minute, 1)
			if err != nil {
				return err
			}
			if len(got) != 1 {
				return fmt.Errorf("A claimed %d messages, want 1", len(got))
			}
			holding <- got[0]
			<-release
			return nil
		})
	}()
	var headC storage.OutboxMessage
	select {
	case headC = <-holding:
	case err := <-errc:
		t.Fatal(err)
	}
	if headC.Channel != "C" {
		t.Fatalf("A claimed %s first, want C's head (oldest)", headC.Channel)
	}
	// SKIP LOCKED: B does not wait for A.
	bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := b.ClaimOutbox(bctx, now, time.Minute, 10)
	if err != nil {
		t.Fatalf("B's claim while A holds C's head: %v", err)
	}
	if len(got) != 1 || got[0].Channel != "D" {
		t.Fatalf("B claimed %v while A holds C's head; want only D", channels(got))
	}
	if err := b.MarkDelivered(ctx, got[0].ID, now); err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// C's head is now leased: still nothing of C for anyone.
	if got, err := b.ClaimOutbox(ctx, now, time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("B claimed %v while C's head is leased", channels(got))
	}
	// Once the head is delivered, the second message is next.
	if err := b.MarkDelivered(ctx, headC.ID, now); err != nil {
		t.Fatal(err)
	}
	got, err = b.ClaimOutbox(ctx, now, time.Minute, 10)
	if err != nil || len(got) != 1 || string(got[0].Payload) != `{"channel":"C","n":2}` {
		t.Fatalf("after delivering C1, claimed %v, %v; want C2", got, err)
	}
	// Killing it makes the third due; a retry later keeps the order.
	if err := b.KillOutbox(ctx, got[0].ID, "gone"); err != nil {
		t.Fatal(err)
	}
	got, err = b.ClaimOutbox(ctx, now, time.Minute, 10)
	if err != nil || len(got) != 1 || string(got[0].Payload) != `{"channel":"C","n":3}` {
		t.Fatalf("after killing C2, claimed %v, %v; want C3", got, err)
	}
	if err := b.RetryOutbox(ctx, got[0].ID, now.Add(time.Hour), "429"); err != nil {
		t.Fatal(err)
	}
	if got, err := b.ClaimOutbox(ctx, now.Add(time.Minute), time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("claimed %v before the retry is due", channels(got))
	}
	got, err = b.ClaimOutbox(ctx, now.Add(time.Hour), time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].Attempts != 2 || got[0].LastError != "429" {
		t.Fatalf("at retry time claimed %+v, %v", got, err)
	}
}

func TestClaimLeaseExpires(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, storagetest.PostgresURL(t))
	ctx := t.Context()
	now := time.Now()
	if err := s.EnqueueOutbox(ctx, msg("C", 1, now), msg("C", 2, now)); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimOutbox(ctx, now, 30*time.Second, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("first claim %v, %v", got, err)
	}
	if again, _ := s.ClaimOutbox(ctx, now.Add(29*time.Second), 30*time.Second, 10); len(again) != 0 {
		t.Fatalf("claimed %v during the lease", channels(again))
	}
	again, err := s.ClaimOutbox(ctx, now.Add(31*time.Second), 30*time.Second, 10)
	if err != nil || len(again) != 1 || again[0].ID != got[0].ID || again[0].Attempts != 2 {
		t.Fatalf("after the lease claimed %+v, %v; want the same head again", again, err)
	}
}

func channels(ms []storage.OutboxMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s#%d", m.Channel, m.ID))
	}
	return out
}

// TestClaimConcurrentWorkers runs workers on two pools (two replicas)
// against many channels: every message is delivered exactly once, in order
// per channel, and no two messages of one channel are ever in flight.
func TestClaimConcurrentWorkers(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	replicas := []*postgres.Store{openMigrated(t, u), open(t, u)}
	ctx := t.Context()
	const nChannels, perChannel = 12, 15
	now := time.Now()
	for n := range perChannel {
		var batch []storage.OutboxMessage
		for c := range nChannels {
			batch = append(batch, msg(fmt.Sprintf("C%02d", c), n, now))
		}
		if err := replicas[n%2].EnqueueOutbox(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu        sync.Mutex
		inFlight  = map[string]int64{} // channel → message being delivered
		delivered = map[int64]bool{}
		next      = map[string]int{} // channel → the n expected next
		failures  []string
	)
	fail := func(f string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(f, args...))
		mu.Unlock()
	}
	total := nChannels * perChannel
	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	for w := range 6 {
		s := replicas[w%2]
		wg.Go(func() {
			for time.Now().Before(deadline) {
				mu.Lock()
				done := len(delivered) == total
				mu.Unlock()
				if done {
					return
				}
				got, err := s.ClaimOutbox(ctx, time.Now(), time.Minute, 1+rand.IntN(4))
				if err != nil {
					fail("worker %d: claim: %v", w, err)
					return
				}
				seen := map[string]bool{}
				for _, m := range got {
					mu.Lock()
					if seen[m.Channel] {
						failures = append(failures, fmt.Sprintf("one claim returned two messages of %s", m.Channel))
					}
					seen[m.Channel] = true
					if other, busy := inFlight[m.Channel]; busy {
						failures = append(failures, fmt.Sprintf("%s: %d claimed while %d in flight", m.Channel, m.ID, other))
					}
					if delivered[m.ID] {
						failures = append(failures, fmt.Sprintf("message %d handed out again after delivery", m.ID))
					}
					inFlight[m.Channel] = m.ID
					mu.Unlock()
				}
				for _, m := range got {
					time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
					var p struct{ N int }
					_ = json.Unmarshal(m.Payload, &p)
					mu.Lock()
					if p.N != next[m.Channel] {
						failures = append(failures, fmt.Sprintf("%s: got message %d, want %d", m.Channel, p.N, next[m.Channel]))
					}
					next[m.Channel] = p.N + 1
					delete(inFlight, m.Channel)
					delivered[m.ID] = true
					mu.Unlock()
					if err := s.MarkDelivered(ctx, m.ID, time.Now()); err != nil {
						fail("worker %d: mark delivered: %v", w, err)
						return
					}
				}
				if len(got) == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	if len(delivered) != total {
		t.Fatalf("%d of %d messages delivered", len(delivered), total)
	}
	if st, err := replicas[0].OutboxStats(ctx); err != nil || len(st) != 0 {
		t.Errorf("OutboxStats after delivering all = %v, %v", st, err)
	}
}

// waitWake waits up to d for a wake-up.
func waitWake(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// drain empties ch of a pending wake-up.
func drain(ch <-chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

func TestOutboxWakeAcrossStores(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	a := openMigrated(t, u)
	b := open(t, u)
	other := openMigrated(t, storagetest.PostgresURL(t))
	ctx := t.Context()
	wake := b.OutboxWake()
	// The listener signals once when it is connected (anything committed
	// before it listened would otherwise go unnoticed).
	if !waitWake(wake, 10*time.Second) {
		t.Fatal("no wake-up after the listener connected")
	}
	if err := a.EnqueueOutbox(ctx, msg("C", 1, time.Now())); err != nil {
		t.Fatal(err)
	}
	if !waitWake(wake, 5*time.Second) {
		t.Fatal("enqueue on A did not wake B")
	}
	// Nothing committed: no wake-up.
	_ = a.InTx(ctx, func(ctx context.Context, q storage.Querier) error {
		if err := q.EnqueueOutbox(ctx, msg("C", 2, time.Now())); err != nil {
			return err
		}
		return fmt.Errorf("roll back")
	})
	// Another schema in the same database: no wake-up either.
	if err := other.EnqueueOutbox(ctx, msg("C", 1, time.Now())); err != nil {
		t.Fatal(err)
	}
	if waitWake(wake, 500*time.Millisecond) {
		t.Error("woken by a rolled-back enqueue or another schema's")
	}
	// Wake-ups coalesce: many enqueues, at least one wake, channel never blocks.
	for i := range 5 {
		if err := a.EnqueueOutbox(ctx, msg("C", 10+i, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if !waitWake(wake, 5*time.Second) {
		t.Fatal("no wake-up after several enqueues")
	}
}

func TestOutboxWakeReconnects(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	a := openMigrated(t, u)
	b := open(t, u)
	ctx := t.Context()
	wake := b.OutboxWake()
	if !waitWake(wake, 10*time.Second) {
		t.Fatal("listener did not connect")
	}
	pid := b.ListenerPID()
	if pid == 0 {
		t.Fatal("no listener PID while connected")
	}
	var ok bool
	if err := rawConn(t, u).QueryRow(ctx, "SELECT pg_terminate_backend($1)", int32(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate listener: %v, %v", ok, err)
	}
	// It reconnects and signals (messages may have been missed meanwhile).
	if !waitWake(wake, 15*time.Second) {
		t.Fatal("no wake-up after the listener's connection was killed")
	}
	if p := b.ListenerPID(); p == 0 || p == pid {
		t.Fatalf("listener PID after reconnect = %d (was %d)", p, pid)
	}
	drain(wake)
	if err := a.EnqueueOutbox(ctx, msg("C", 1, time.Now())); err != nil {
		t.Fatal(err)
	}
	if !waitWake(wake, 5*time.Second) {
		t.Fatal("reconnected listener missed an enqueue")
	}
}

func TestCloseStopsListener(t *testing.T) {
	t.Parallel()
	u := storagetest.PostgresURL(t)
	s, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if !waitWake(s.OutboxWake(), 10*time.Second) {
		t.Fatal("listener did not connect")
	}
	pid := s.ListenerPID()
	done := make(chan struct{})
	go func() { _ = s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// The server ends the backend shortly after the client hangs up.
	c := rawConn(t, u)
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		var n int
		if err := c.QueryRow(t.Context(), "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", int32(pid)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("listener connection still open after Close")
		}
	}
}
