package alerts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/realserver"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

var freeAddr = realserver.FreeAddr

// startAlertmanager runs Debian's prometheus-alertmanager on free loopback
// ports, clustering off, grouping by alertname with short waits, with one
// webhook receiver posting to webhook with the bearer token.
func startAlertmanager(t *testing.T, webhook string) (string, *realserver.Logs) {
	t.Helper()
	cfg := fmt.Sprintf(`route:
  receiver: tourniquet
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: tourniquet
    webhook_configs:
      - url: %q
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: %q
`, webhook, token)
	return realserver.Start(t, realserver.Server{Binary: "prometheus-alertmanager", Package: "prometheus-alertmanager",
		Files: map[string]string{"alertmanager.yml": cfg},
		Args: func(dir, addr string) []string {
			return []string{"--config.file=" + filepath.Join(dir, "alertmanager.yml"),
				"--storage.path=" + filepath.Join(dir, "data"), "--web.listen-address=" + addr, "--cluster.listen-address=",
				"--log.level=debug"}
		}})
}

// postAlerts posts alerts to Alertmanager's API v2, as Prometheus does.
func postAlerts(t *testing.T, base string, alerts ...map[string]any) {
	t.Helper()
	b, _ := json.Marshal(alerts)
	resp, err := http.Post(base+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v2/alerts: %d", resp.StatusCode)
	}
}

func amAlertOf(name, instance string, starts time.Time, ends *time.Time) map[string]any {
	a := map[string]any{"labels": map[string]string{"alertname": name, "service": "checkout", "instance": instance},
		"annotations": map[string]string{"summary": name + " on checkout"}, "startsAt": starts.Format(time.RFC3339),
		"generatorURL": "http://prometheus.example:9090/graph"}
	if ends != nil {
		a["endsAt"] = ends.Format(time.RFC3339)
	}
	return a
}

// serve runs the harness's intake on addr until the returned stop.
func serve(t *testing.T, h *harness, addr string, hits *atomic.Int64) (stop func()) {
	t.Helper()
	var ln net.Listener
	waitFor(t, 5*time.Second, "the port free again", func() bool {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err == nil
	})
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h.intake.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: count, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	return func() {
		_ = srv.Close()
		<-done
	}
}

var waitFor = realserver.WaitFor

// TestRealAlertmanager points a real Alertmanager at Tourniquet: a group
// that arrives while Tourniquet is down is delivered by Alertmanager's
// retries once it is up, proposed once; a declare route opens one
// incident; Tourniquet restarts while Alertmanager keeps repeating and
// nothing is posted twice; the alert resolves and the channel is asked
// once whether impact is mitigated.
func TestRealAlertmanager(t *testing.T) {
	t.Parallel() // most of its time is waiting on real servers
	s := storagetest.New(t)
	h := newHarness(t, s, config.Alerts{Routes: []config.AlertRoute{
		{Match: map[string]string{"alertname": "CheckoutDown"}, Action: "declare", Severity: "sev1", ServicesLabel: "service",
			Title: "{{ .CommonAnnotations.summary }}"},
		{Match: map[string]string{"alertname": "HighErrorRate"}, Action: "propose", ServicesLabel: "service"},
	}})
	addr := freeAddr(t)
	am, amLogs := startAlertmanager(t, "http://"+addr+"/alerts/alertmanager")
	var hits atomic.Int64

	// Tourniquet is down when the alerts fire: Alertmanager retries.
	now := time.Now().UTC().Truncate(time.Second)
	postAlerts(t, am, amAlertOf("HighErrorRate", "pod-1", now.Add(-time.Minute), nil),
		amAlertOf("HighErrorRate", "pod-2", now.Add(-time.Minute), nil),
		amAlertOf("CheckoutDown", "lb-1", now.Add(-2*time.Minute), nil))
	waitFor(t, 10*time.Second, "Alertmanager failing to reach Tourniquet", func() bool {
		return strings.Contains(amLogs.String(), "connection refused")
	})
	stop := serve(t, h, addr, &hits)

	proposals := func() int {
		n := 0
		for _, d := range h.in(triage.ChannelID) {
			if d.Op == "post" {
				n++
			}
		}
		return n
	}
	incidents := func() []*incident.Incident {
		incs, err := s.ListIncidents(context.Background(), storage.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return incs
	}
	// Alertmanager may notify the group before it holds both alerts (its
	// first flush races its ingestion under load): the proposal is then
	// one message updated in place, so what counts is how it reads last.
	latest := func() string {
		got, id := "", ""
		for _, d := range h.in(triage.ChannelID) {
			if d.Op == "post" && id == "" {
				id = d.MessageID
			}
			if d.MessageID == id {
				got = text(d.Message)
			}
		}
		return got
	}
	waitFor(t, 20*time.Second, "a proposal of both alerts and an incident", func() bool {
		h.route()
		return proposals() == 1 && len(incidents()) == 1 && strings.Contains(latest(), "Alert HighErrorRate firing on checkout (2 alerts)")
	})
	if n := proposals(); n != 1 {
		t.Errorf("%d proposals posted, want one message updated in place", n)
	}
	inc := h.incident("INC-1")
	if inc.Title != "CheckoutDown on checkout" || inc.Severity != incident.Sev1 {
		t.Errorf("declared %+v", inc)
	}

	// Tourniquet restarts; Alertmanager keeps repeating both groups.
	stop()
	time.Sleep(500 * time.Millisecond)
	h.start()
	before := hits.Load()
	stop = serve(t, h, addr, &hits)
	defer func() { stop() }()
	waitFor(t, 15*time.Second, "Alertmanager repeating both groups after the restart", func() bool {
		h.route()
		return hits.Load()-before >= 3
	})
	h.route()
	if n := proposals(); n != 1 {
		t.Errorf("%d proposals posted after the restart and Alertmanager's repeats, want 1", n)
	}
	if n := len(incidents()); n != 1 {
		t.Errorf("%d incidents after the repeats, want 1", n)
	}
	if n := len(h.events("INC-1", incident.KindAlertFiring)); n != 1 {
		t.Errorf("%d alert_firing on INC-1, want 1", n)
	}
	if n := len(h.rec.Ops("open")); n != 1 {
		t.Errorf("%d channels opened, want 1", n)
	}

	// CheckoutDown resolves: the channel is asked, once.
	ended := time.Now().UTC().Add(-time.Second)
	postAlerts(t, am, amAlertOf("CheckoutDown", "lb-1", now.Add(-2*time.Minute), &ended))
	ch := h.channelOf("INC-1")
	waitFor(t, 20*time.Second, "the resolve question", func() bool {
		h.route()
		return len(questions(h, ch.ChannelID)) > 0
	})
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		h.route()
		time.Sleep(200 * time.Millisecond)
	}
	if n := len(questions(h, ch.ChannelID)); n != 1 {
		t.Errorf("asked %d times, want once", n)
	}
	if n := len(h.events("INC-1", incident.KindAlertResolved)); n != 1 {
		t.Errorf("%d alert_resolved, want 1", n)
	}
	if h.incident("INC-1").Impact != incident.ImpactOngoing {
		t.Errorf("the alert resolving mitigated the incident by itself")
	}
}
