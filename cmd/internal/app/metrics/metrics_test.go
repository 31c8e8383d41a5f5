package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tourniquet/tourniquet/cmd/internal/app/metrics"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

func TestStoreGauges(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s storage.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		who := incident.Actor{Platform: "slack", ID: "U1"}
		for i, sev := range []incident.Severity{incident.Sev1, incident.Sev1, incident.Sev3} {
			inc, _, _ := incident.Declare(t0, who, sev, "x")
			if i == 1 {
				inc.Mitigate(t0.Add(time.Minute), who, "")
			}
			if err := s.CreateIncident(ctx, inc); err != nil {
				t.Fatal(err)
			}
		}
		err := s.EnqueueOutbox(ctx,
			storage.OutboxMessage{Platform: "slack", Channel: "inc:1", Kind: "post", Payload: []byte(`{}`), CreatedAt: t0, NextAttemptAt: t0},
			storage.OutboxMessage{Platform: "slack", Channel: "inc:2", Kind: "post", Payload: []byte(`{}`), CreatedAt: t0.Add(time.Minute), NextAttemptAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		m := metrics.New()
		m.WatchStore(s, func() time.Time { return t0.Add(90 * time.Second) }, "slack", "discord")
		want := `
# HELP tourniquet_open_incidents Open incidents by severity and impact state.
# TYPE tourniquet_open_incidents gauge
tourniquet_open_incidents{impact="mitigated",severity="sev1"} 1
tourniquet_open_incidents{impact="mitigated",severity="sev2"} 0
tourniquet_open_incidents{impact="mitigated",severity="sev3"} 0
tourniquet_open_incidents{impact="mitigated",severity="sev4"} 0
tourniquet_open_incidents{impact="ongoing",severity="sev1"} 1
tourniquet_open_incidents{impact="ongoing",severity="sev2"} 0
tourniquet_open_incidents{impact="ongoing",severity="sev3"} 1
tourniquet_open_incidents{impact="ongoing",severity="sev4"} 0
# HELP tourniquet_outbox_depth Undelivered outbox messages by platform.
# TYPE tourniquet_outbox_depth gauge
tourniquet_outbox_depth{platform="discord"} 0
tourniquet_outbox_depth{platform="slack"} 2
# HELP tourniquet_outbox_oldest_age_seconds Age of the oldest undelivered outbox message by platform.
# TYPE tourniquet_outbox_oldest_age_seconds gauge
tourniquet_outbox_oldest_age_seconds{platform="discord"} 0
tourniquet_outbox_oldest_age_seconds{platform="slack"} 90
`
		if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want),
			"tourniquet_open_incidents", "tourniquet_outbox_depth", "tourniquet_outbox_oldest_age_seconds"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRecordingHelpers(t *testing.T) {
	var nilM *metrics.Metrics
	nilM.Delivery("slack", "delivered", time.Millisecond) // a nil Metrics records nothing, and does not panic
	m := metrics.New()
	m.Delivery("slack", "rate_limited", 10*time.Millisecond)
	m.Delivery("slack", "delivered", 10*time.Millisecond)
	m.Request("POST /slack/commands", 401, time.Millisecond)
	if got := testutil.ToFloat64(m.Deliveries.WithLabelValues("slack", "rate_limited")); got != 1 {
		t.Fatalf("rate_limited deliveries = %v", got)
	}
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("POST /slack/commands", "401")); got != 1 {
		t.Fatalf("401 requests = %v", got)
	}
}

// TestCheckinHelpers: the callbacks the check-in scheduler is wired to
// count sent, late and escalated check-ins and answers; a nil Metrics
// records nothing.
func TestCheckinHelpers(t *testing.T) {
	var nilM *metrics.Metrics
	nilM.CheckinSent(true, time.Second, "lead")
	nilM.CheckinAnswered("yes")
	m := metrics.New()
	m.CheckinSent(false, time.Second, "")
	m.CheckinSent(true, time.Minute, "channel")
	m.CheckinAnswered("partial")
	for name, c := range map[string]struct{ got, want float64 }{
		"sent":               {testutil.ToFloat64(m.CheckinsSent), 2},
		"late":               {testutil.ToFloat64(m.CheckinsLate), 1},
		"escalated{channel}": {testutil.ToFloat64(m.CheckinsEscalated.WithLabelValues("channel")), 1},
		"answered{partial}":  {testutil.ToFloat64(m.CheckinsAnswered.WithLabelValues("partial")), 1},
	} {
		if c.got != c.want {
			t.Errorf("checkins %s = %v, want %v", name, c.got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.SchedulerLag); n != 1 {
		t.Errorf("scheduler lag series = %d, want 1", n)
	}
}
