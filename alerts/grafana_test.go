package alerts_test

import (
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// grafanaNotification is what Grafana's webhook contact point sends (its
// documented example): Alertmanager's shape plus orgId, title, state,
// message and, per alert, dashboardURL, panelURL, silenceURL and values.
const grafanaNotification = `{
  "receiver": "tourniquet",
  "status": "firing",
  "orgId": 1,
  "alerts": [{
    "status": "firing",
    "labels": {"alertname": "CheckoutLatency", "grafana_folder": "Checkout", "service": "checkout", "team": "payments"},
    "annotations": {"summary": "p99 above 2s", "description": "p99 latency of checkout is 2.4s"},
    "startsAt": "2026-03-01T13:52:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "https://grafana.example.com/alerting/grafana/abc/view",
    "fingerprint": "57c6d9296de2ad39",
    "silenceURL": "https://grafana.example.com/alerting/silence/new?matcher=alertname%3DCheckoutLatency",
    "dashboardURL": "https://grafana.example.com/d/checkout",
    "panelURL": "https://grafana.example.com/d/checkout?viewPanel=2",
    "values": {"B": 2.4, "C": 1},
    "valueString": "[ var='B' labels={} value=2.4 ], [ var='C' labels={} value=1 ]"
  }],
  "groupLabels": {"alertname": "CheckoutLatency"},
  "commonLabels": {"alertname": "CheckoutLatency", "grafana_folder": "Checkout", "service": "checkout", "team": "payments"},
  "commonAnnotations": {"summary": "p99 above 2s", "description": "p99 latency of checkout is 2.4s"},
  "externalURL": "https://grafana.example.com/",
  "version": "1",
  "groupKey": "{}:{alertname=\"CheckoutLatency\"}",
  "truncatedAlerts": 0,
  "title": "[FIRING:1] CheckoutLatency Checkout (checkout payments)",
  "state": "alerting",
  "message": "**Firing**\n\nValue: B=2.4, C=1\nLabels:\n - alertname = CheckoutLatency\n"
}`

func TestGrafanaNotificationDeclares(t *testing.T) {
	h := newHarness(t, storagetest.NewSQLite(t), config.Alerts{Routes: []config.AlertRoute{
		{Match: map[string]string{"team": "payments"}, MatchRE: map[string]string{"alertname": "Checkout.*"}, Action: "declare",
			SeverityLabel: "team", SeverityMap: map[string]string{"payments": "sev2"}, ServicesLabel: "service",
			Title: "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"},
	}})
	if w := h.post("/alerts/grafana", []byte(grafanaNotification), bearer(token)); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	h.route()
	inc := h.incident("INC-1")
	if inc.Title != "CheckoutLatency: p99 above 2s" || inc.Severity != incident.Sev2 || strings.Join(inc.Services, ",") != "checkout" {
		t.Errorf("declared %+v", inc)
	}
	evs := h.events("INC-1", incident.KindAlertFiring)
	if len(evs) != 1 || evs[0].Data["fingerprint"] != "57c6d9296de2ad39" || evs[0].Data["starts_at"] != "2026-03-01T13:52:00Z" {
		t.Errorf("alert_firing %+v", evs)
	}
	// The same notification with a different version word (Alertmanager's
	// endpoint insists on 4) is refused there, not here.
	if w := h.post("/alerts/alertmanager", []byte(grafanaNotification), bearer(token)); w.Code != 400 {
		t.Errorf("Grafana's payload at the Alertmanager endpoint: %d", w.Code)
	}
}
