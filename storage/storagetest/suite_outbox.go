package storagetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/storage"
)

// outboxMsg is message n of a channel: its payload says n, it was created
// n milliseconds after base and is due at base.
func outboxMsg(platform, channel string, n int, incidentID int64) storage.OutboxMessage {
	return storage.OutboxMessage{
		Platform:      platform,
		Channel:       channel,
		Kind:          "post",
		Payload:       []byte(fmt.Sprintf(`{"n": %d, "text": "message %d"}`, n, n)),
		IncidentID:    incidentID,
		CreatedAt:     at(time.Duration(n) * time.Millisecond),
		NextAttemptAt: base,
	}
}

// payloadN is the n of a message made by outboxMsg.
func payloadN(t *testing.T, m storage.OutboxMessage) int {
	t.Helper()
	var p struct{ N int }
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatalf("message %d: payload %q: %v", m.ID, m.Payload, err)
	}
	return p.N
}

// ns are the n of msgs, made by outboxMsg, in order.
func ns(t *testing.T, msgs []storage.OutboxMessage) []int {
	t.Helper()
	return each(msgs, func(m storage.OutboxMessage) int { return payloadN(t, m) })
}

func describe(msgs []storage.OutboxMessage) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, "[%d %s/%s %s] ", m.ID, m.Platform, m.Channel, m.Payload)
	}
	return b.String()
}

func mustEnqueue(t *testing.T, s storage.Querier, msgs ...storage.OutboxMessage) {
	t.Helper()
	if err := s.EnqueueOutbox(ctxFor(t), msgs...); err != nil {
		t.Fatalf("EnqueueOutbox: %v", err)
	}
}

func mustClaim(t *testing.T, s storage.Querier, now time.Time, lease time.Duration, limit int) []storage.OutboxMessage {
	t.Helper()
	msgs, err := s.ClaimOutbox(ctxFor(t), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimOutbox: %v", err)
	}
	if len(msgs) > limit {
		t.Fatalf("ClaimOutbox(limit %d) returned %d messages", limit, len(msgs))
	}
	return msgs
}

func mustGetOutbox(t *testing.T, s storage.Querier, id int64) storage.OutboxMessage {
	t.Helper()
	m, err := s.GetOutbox(ctxFor(t), id)
	if err != nil {
		t.Fatalf("GetOutbox(%d): %v", id, err)
	}
	return m
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func pendingTotal(st []storage.OutboxStat) int {
	n := 0
	for _, s := range st {
		n += s.Pending
	}
	return n
}

func testOutboxRoundTrip(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	inc := mustCreate(t, s, newIncident("outbox", base))
	in := outboxMsg("slack", "C1", 7, inc.ID)
	in.Kind = "update"
	in.Payload = []byte(`{"text":"Impact mitigated ✓","blocks":[{"type":"section"}],"n":7}`)
	in.CreatedAt = at(-time.Second + 250*time.Microsecond)
	in.NextAttemptAt = at(-500 * time.Microsecond)
	mustEnqueue(t, s, in)
	msgs := mustClaim(t, s, base, time.Minute, 10)
	if len(msgs) != 1 {
		t.Fatalf("claimed %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.ID <= 0 || m.Platform != "slack" || m.Channel != "C1" || m.Kind != "update" || m.IncidentID != inc.ID {
		t.Errorf("claimed %+v, want slack/C1 update of incident %d", m, inc.ID)
	}
	if !jsonEqual(m.Payload, in.Payload) {
		t.Errorf("Payload = %s, want %s", m.Payload, in.Payload)
	}
	if !m.CreatedAt.Equal(in.CreatedAt) || !m.NextAttemptAt.Equal(in.NextAttemptAt) {
		t.Errorf("CreatedAt/NextAttemptAt = %v/%v, want %v/%v", m.CreatedAt, m.NextAttemptAt, in.CreatedAt, in.NextAttemptAt)
	}
	if m.Status != storage.OutboxPending || m.Attempts != 1 || m.DeliveredAt != nil {
		t.Errorf("claimed Status %q Attempts %d DeliveredAt %s; want pending, 1, nil", m.Status, m.Attempts, fmtTimePtr(m.DeliveredAt))
	}
	got := mustGetOutbox(t, s, m.ID)
	if got.Status != storage.OutboxPending || got.Attempts != 1 || !jsonEqual(got.Payload, in.Payload) || got.Kind != "update" {
		t.Errorf("GetOutbox after claim = %+v", got)
	}
	deliveredAt := at(2*time.Second + 3*time.Microsecond)
	if err := s.MarkDelivered(ctx, m.ID, deliveredAt); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	got = mustGetOutbox(t, s, m.ID)
	if got.Status != storage.OutboxDelivered || !timePtrEq(got.DeliveredAt, &deliveredAt) || got.Attempts != 1 {
		t.Errorf("after MarkDelivered: Status %q DeliveredAt %s Attempts %d; want delivered, %v, 1",
			got.Status, fmtTimePtr(got.DeliveredAt), got.Attempts, deliveredAt)
	}
	if msgs := mustClaim(t, s, at(time.Hour), time.Minute, 10); len(msgs) != 0 {
		t.Errorf("a delivered message was claimed again: %s", describe(msgs))
	}

	// A message of no incident.
	none := outboxMsg("console", "tty", 8, 0)
	mustEnqueue(t, s, none)
	msgs = mustClaim(t, s, base, time.Minute, 10)
	if len(msgs) != 1 || msgs[0].IncidentID != 0 || msgs[0].Platform != "console" {
		t.Errorf("claimed %s, want the console message of no incident", describe(msgs))
	}
}

func testOutboxChannelOrder(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s,
		outboxMsg("slack", "C1", 1, 0),
		outboxMsg("slack", "C1", 2, 0),
		outboxMsg("slack", "C2", 3, 0),
	)
	mustEnqueue(t, s,
		outboxMsg("discord", "C1", 4, 0), // same channel name, other platform: its own queue
		outboxMsg("slack", "C1", 5, 0),
	)
	first := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, first); !slices.Equal(got, []int{1, 3, 4}) {
		t.Fatalf("first claim = %v, want the heads [1 3 4] in order", got)
	}
	for _, m := range first {
		if m.Attempts != 1 {
			t.Errorf("message %d: Attempts %d, want 1", payloadN(t, m), m.Attempts)
		}
	}
	byN := map[int]storage.OutboxMessage{}
	for _, m := range first {
		byN[payloadN(t, m)] = m
	}
	// Every head is leased: nothing more, however many are pending.
	if again := mustClaim(t, s, base, time.Minute, 10); len(again) != 0 {
		t.Fatalf("second claim while heads are leased = %v, want none", ns(t, again))
	}
	// Delivering C1's head makes 2 (and only 2) due.
	if err := s.MarkDelivered(ctx, byN[1].ID, at(time.Second)); err != nil {
		t.Fatalf("MarkDelivered(1): %v", err)
	}
	next := mustClaim(t, s, at(time.Second), time.Minute, 10)
	if got := ns(t, next); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim after delivering 1 = %v, want [2]", got)
	}
	if err := s.MarkDelivered(ctx, next[0].ID, at(2*time.Second)); err != nil {
		t.Fatalf("MarkDelivered(2): %v", err)
	}
	if err := s.MarkDelivered(ctx, byN[3].ID, at(2*time.Second)); err != nil {
		t.Fatalf("MarkDelivered(3): %v", err)
	}
	last := mustClaim(t, s, at(2*time.Second), time.Minute, 10)
	if got := ns(t, last); !slices.Equal(got, []int{5}) {
		t.Fatalf("claim after delivering 2 and 3 = %v, want [5]", got)
	}
}

func testOutboxRetry(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 0), outboxMsg("slack", "C1", 2, 0))
	msgs := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, msgs); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim = %v, want [1]", got)
	}
	id := msgs[0].ID
	next := at(time.Minute)
	if err := s.RetryOutbox(ctx, id, next, "slack: 429 rate limited"); err != nil {
		t.Fatalf("RetryOutbox: %v", err)
	}
	m := mustGetOutbox(t, s, id)
	if m.Status != storage.OutboxPending || m.Attempts != 1 || m.LastError != "slack: 429 rate limited" || !m.NextAttemptAt.Equal(next) {
		t.Errorf("after RetryOutbox: %+v; want pending, Attempts 1, the error, next attempt %v", m, next)
	}
	// Not before its time, and the channel's next message waits behind it.
	for _, now := range []time.Time{base, at(59 * time.Second)} {
		if got := mustClaim(t, s, now, time.Minute, 10); len(got) != 0 {
			t.Fatalf("claim at %v = %v, want none (1 is not due, 2 waits behind it)", now, ns(t, got))
		}
	}
	msgs = mustClaim(t, s, next, time.Minute, 10)
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Attempts != 2 {
		t.Fatalf("claim at the retry time = %s, want message 1 with Attempts 2", describe(msgs))
	}
	if err := s.MarkDelivered(ctx, id, next); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if got := ns(t, mustClaim(t, s, next, time.Minute, 10)); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim after delivering 1 = %v, want [2]", got)
	}
}

func testOutboxNotDueYet(t *testing.T, s storage.Store) {
	later := outboxMsg("slack", "C1", 1, 0)
	later.NextAttemptAt = at(time.Hour)
	mustEnqueue(t, s, later, outboxMsg("slack", "C2", 2, 0))
	now := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, now); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim at base = %v, want [2] only", got)
	}
	if err := s.MarkDelivered(ctxFor(t), now[0].ID, base); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if got := mustClaim(t, s, at(time.Hour-time.Microsecond), time.Minute, 10); len(got) != 0 {
		t.Fatalf("claim just before the due time = %v, want none", ns(t, got))
	}
	if got := ns(t, mustClaim(t, s, at(time.Hour), time.Minute, 10)); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim at the due time = %v, want [1]", got)
	}
}

func testOutboxLease(t *testing.T, s storage.Store) {
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 0), outboxMsg("slack", "C1", 2, 0))
	msgs := mustClaim(t, s, base, 30*time.Second, 10)
	if got := ns(t, msgs); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim = %v, want [1]", got)
	}
	id := msgs[0].ID
	if got := mustClaim(t, s, at(10*time.Second), 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("claim while leased = %v, want none", ns(t, got))
	}
	// The worker died: once the lease is over the message is claimable again.
	msgs = mustClaim(t, s, at(31*time.Second), 30*time.Second, 10)
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Attempts != 2 {
		t.Fatalf("claim after the lease = %s, want message 1 with Attempts 2", describe(msgs))
	}
	if got := mustClaim(t, s, at(40*time.Second), 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("claim under the new lease = %v, want none", ns(t, got))
	}
	if m := mustGetOutbox(t, s, id); m.Attempts != 2 || m.Status != storage.OutboxPending {
		t.Errorf("GetOutbox = Attempts %d Status %q, want 2 pending", m.Attempts, m.Status)
	}
}

func testOutboxKill(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 0), outboxMsg("slack", "C1", 2, 0))
	msgs := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, msgs); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim = %v, want [1]", got)
	}
	if err := s.KillOutbox(ctx, msgs[0].ID, "channel_not_found"); err != nil {
		t.Fatalf("KillOutbox: %v", err)
	}
	m := mustGetOutbox(t, s, msgs[0].ID)
	if m.Status != storage.OutboxDead || m.LastError != "channel_not_found" {
		t.Errorf("after KillOutbox: Status %q LastError %q, want dead channel_not_found", m.Status, m.LastError)
	}
	second := mustClaim(t, s, base, time.Minute, 10)
	if got := ns(t, second); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim after the kill = %v, want [2]", got)
	}
	if err := s.KillOutbox(ctx, second[0].ID, "gone too"); err != nil {
		t.Fatalf("KillOutbox: %v", err)
	}
	// A stale worker giving up on it too changes nothing.
	if err := s.KillOutbox(ctx, second[0].ID, "stale"); err != nil {
		t.Errorf("KillOutbox of a dead message: %v, want nil", err)
	}
	if m := mustGetOutbox(t, s, second[0].ID); m.Status != storage.OutboxDead || m.LastError != "gone too" {
		t.Errorf("after a second kill: Status %q LastError %q, want dead, gone too", m.Status, m.LastError)
	}
	if got := mustClaim(t, s, at(time.Hour), time.Minute, 10); len(got) != 0 {
		t.Fatalf("a dead message came back: %s", describe(got))
	}
}

// testOutboxStaleWorker: a worker whose lease ran out, and whose message
// another worker has since delivered, must not turn it back to pending or
// kill it — that would send it twice or lose the record of delivery.
func testOutboxStaleWorker(t *testing.T, s storage.Store) {
	ctx := ctxFor(t)
	mustEnqueue(t, s, outboxMsg("slack", "C1", 1, 0))
	stale := mustClaim(t, s, base, 30*time.Second, 10)
	fresh := mustClaim(t, s, at(31*time.Second), 30*time.Second, 10)
	if len(stale) != 1 || len(fresh) != 1 || stale[0].ID != fresh[0].ID {
		t.Fatalf("claims: %s then %s", describe(stale), describe(fresh))
	}
	id := fresh[0].ID
	if err := s.MarkDelivered(ctx, id, at(32*time.Second)); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if err := s.RetryOutbox(ctx, id, at(40*time.Second), "late failure"); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("RetryOutbox of a delivered message = %v, want ErrConflict", err)
	}
	if err := s.KillOutbox(ctx, id, "late failure"); !errors.Is(err, storage.ErrConflict) {
		t.Errorf("KillOutbox of a delivered message = %v, want ErrConflict", err)
	}
	if err := s.MarkDelivered(ctx, id, at(41*time.Second)); err != nil {
		t.Errorf("MarkDelivered twice = %v, want nil", err)
	}
	if m := mustGetOutbox(t, s, id); m.Status != storage.OutboxDelivered {
		t.Fatalf("status %q, want delivered", m.Status)
	}
	if got := mustClaim(t, s, at(time.Hour), 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("a delivered message came back: %s", describe(got))
	}
	if err := s.RetryOutbox(ctx, 999999, base, "x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("RetryOutbox of a missing message = %v, want ErrNotFound", err)
	}
}

func testOutboxLimit(t *testing.T, s storage.Store) {
	for i := 1; i <= 5; i++ {
		mustEnqueue(t, s, outboxMsg("slack", fmt.Sprintf("C%d", i), i, 0))
	}
	got := mustClaim(t, s, base, time.Minute, 2)
	if len(got) != 2 {
		t.Fatalf("claim(limit 2) = %v, want 2 messages", ns(t, got))
	}
	seen := map[int]bool{}
	for _, m := range got {
		seen[payloadN(t, m)] = true
	}
	rest := mustClaim(t, s, base, time.Minute, 10)
	if len(rest) != 3 {
		t.Fatalf("claim of the rest = %v, want 3 messages", ns(t, rest))
	}
	for _, m := range rest {
		if n := payloadN(t, m); seen[n] {
			t.Errorf("message %d claimed twice", n)
		}
	}
}
