package alerts_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/realserver"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// startPrometheus runs the real prometheus binary on a free loopback port
// with one alert rule that fires at once, sending to alertmanager.
func startPrometheus(t *testing.T, alertmanager string) {
	t.Helper()
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs: [{targets: [%q]}]
`, strings.TrimPrefix(alertmanager, "http://"))
	rules := `groups:
  - name: checkout
    interval: 1s
    rules:
      - alert: CheckoutErrors
        expr: vector(1) > 0
        labels: {service: checkout, severity: critical}
        annotations: {summary: "Checkout errors above 2%"}
`
	realserver.Start(t, realserver.Server{Binary: "prometheus", Package: "prometheus",
		Files: map[string]string{"prometheus.yml": cfg, "rules.yml": rules},
		Args: func(dir, addr string) []string {
			return []string{"--config.file=" + filepath.Join(dir, "prometheus.yml"),
				"--storage.tsdb.path=" + filepath.Join(dir, "data"), "--web.listen-address=" + addr, "--log.level=warn",
				"--rules.alert.resend-delay=1s"} // the first sends precede discovering Alertmanager (about 5s)
		}})
}

// TestPrometheusAlertmanagerTourniquet is the whole chain: a Prometheus
// alert rule fires, Alertmanager groups it and notifies Tourniquet, whose
// route declares the incident once.
func TestPrometheusAlertmanagerTourniquet(t *testing.T) {
	t.Parallel() // most of its time is waiting on real servers
	s := storagetest.NewSQLite(t)
	h := newHarness(t, s, config.Alerts{Routes: []config.AlertRoute{
		{Match: map[string]string{"alertname": "CheckoutErrors"}, Action: "declare", SeverityLabel: "severity",
			SeverityMap: map[string]string{"critical": "sev1"}, ServicesLabel: "service", Title: "{{ .CommonAnnotations.summary }}"},
	}})
	addr := freeAddr(t)
	var hits atomic.Int64
	stop := serve(t, h, addr, &hits)
	defer stop()
	am, _ := startAlertmanager(t, "http://"+addr+"/alerts/alertmanager")
	startPrometheus(t, am)
	waitFor(t, 30*time.Second, "the incident", func() bool {
		h.route()
		_, err := s.GetIncidentByKey(context.Background(), "INC-1")
		return err == nil
	})
	inc := h.incident("INC-1")
	if inc.Title != "Checkout errors above 2%" || inc.Severity != incident.Sev1 || strings.Join(inc.Services, ",") != "checkout" {
		t.Errorf("declared %+v", inc)
	}
	waitFor(t, 10*time.Second, "a repeat from Alertmanager", func() bool { h.route(); return hits.Load() >= 2 })
	h.route()
	if n := len(h.events("INC-1", incident.KindAlertFiring)); n != 1 {
		t.Errorf("%d alert_firing, want 1", n)
	}
	if _, err := s.GetIncidentByKey(context.Background(), "INC-2"); err == nil {
		t.Errorf("the repeat declared a second incident")
	}
}
